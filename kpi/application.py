"""The application factory: settings, extensions, blueprints, error pages.

It lives here, not in kpi/__init__.py, so that importing the pure core (kpi.domain) loads
neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import FileSystemBytecodeCache

from kpi import db, security
from kpi.accounts import access, limits, passwords
from kpi.config import ConfigError, flask_config, load_settings

csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` overrides settings (tests pass KPI_DATABASE_URL)."""
    app = Flask("kpi", instance_relative_config=True)  # the package: its templates, static and instance folder
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    settings = load_settings(instance_path, Path(app.root_path).parent)
    app.config.from_mapping(flask_config(settings))
    if test_config:
        app.config.from_mapping(test_config)
    _keep_compiled_templates(app)  # before anything touches app.jinja_env

    passwords.configure(app.config["KPI_PASSWORD_PROFILE"])
    _trust_proxy(app)
    db.init_app(app)
    csrf.init_app(app)
    access.init_app(app)
    limits.init_app(app, settings.ratelimit_storage)
    security.init_app(app, settings.idle_minutes, production=settings.is_production)
    _register_blueprints(app)
    _subscribe_receivers()
    _register_error_pages(app)
    _register_template_helpers(app)

    from kpi.cli import kpi_cli

    app.cli.add_command(kpi_cli)
    if not app.testing and click.get_current_context(silent=True) is None:
        # Serving, not a CLI command: `kpi init` itself is how the schema catches up.
        _check_schema(app, settings.is_production)
    if settings.is_production:
        _refuse_unsafe_production(app)
    return app


def _keep_compiled_templates(app: Flask) -> None:
    """KPI_TEMPLATE_BYTECODE_DIR: keep Jinja's compiled templates in that folder.

    Compiling a page's templates costs each new app tens of milliseconds; the test suite builds
    a fresh app for almost every test, so it shares one folder. Jinja's own cache keys each
    entry by template file and source checksum, so an edited template is compiled again.
    """
    folder = app.config.get("KPI_TEMPLATE_BYTECODE_DIR")
    if folder:
        cache = FileSystemBytecodeCache(str(folder))
        app.jinja_options = {**app.jinja_options, "bytecode_cache": cache}


def _trust_proxy(app: Flask) -> None:
    """KPI_PROXY_FIX=N: N reverse proxies (nginx) sit in front; trust their X-Forwarded-For/-Proto.

    Without it, behind nginx every request seems to come from 127.0.0.1 over http: the
    per-address login limit would lump all users together and redirects would say http.
    Never set it when clients reach gunicorn directly: they could forge the headers.
    """
    hops = os.environ.get("KPI_PROXY_FIX", "").strip()
    if not hops or hops == "0":
        return
    if not (hops.isascii() and hops.isdigit()):
        raise ConfigError(f"KPI_PROXY_FIX must be the number of proxies in front (usually 1), not {hops!r}")
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(hops), x_proto=int(hops))


def _check_schema(app: Flask, strict: bool) -> None:
    """Warn (development) or refuse to start (production) on a database behind the migrations."""
    from sqlalchemy.exc import DBAPIError

    from kpi.migrate import current_revision, head_revision

    try:
        current = current_revision(app.extensions["kpi_engine"])
    except DBAPIError as error:
        current = f"unreadable ({error.__class__.__name__})"
    if current == head_revision():
        return
    message = f"database schema is at {current}, not {head_revision()}: run `flask --app app kpi init`"
    if strict:
        raise ConfigError(message)
    app.logger.warning(message)


def _refuse_unsafe_production(app: Flask) -> None:
    """Production must not run in debug mode or with the published demo passwords."""
    from sqlalchemy.exc import DBAPIError
    from sqlmodel import Session

    from kpi.accounts.service import demo_accounts_with_default_password

    if app.debug:
        raise ConfigError("production refuses to run with the debug flag")
    with Session(app.extensions["kpi_engine"]) as session:
        try:
            unsafe = demo_accounts_with_default_password(session)
        except DBAPIError:  # tables not created yet: `kpi init` runs first
            unsafe = []
    if unsafe:
        raise ConfigError(
            "demo accounts still have their default passwords: "
            + ", ".join(unsafe)
            + " (change them with `flask --app app kpi set-password NAME`, or disable them)"
        )


def _register_blueprints(app: Flask) -> None:
    from kpi.accounts.admin_routes import bp as accounts_admin_bp
    from kpi.accounts.routes import bp as accounts_bp
    from kpi.adjustments.routes import bp as adjustments_bp
    from kpi.evaluation.routes import bp as evaluation_bp
    from kpi.finance.routes import bp as finance_bp
    from kpi.health import bp as health_bp
    from kpi.indicators.budget_routes import bp as budget_amounts_bp
    from kpi.indicators.rollover_routes import bp as rollover_bp
    from kpi.indicators.routes import bp as indicators_bp
    from kpi.monitoring.routes import bp as monitoring_bp
    from kpi.progress.routes import bp as progress_bp
    from kpi.recheck.routes import bp as recheck_bp
    from kpi.reminders.routes import bp as reminders_bp
    from kpi.results.excel_routes import bp as results_excel_bp
    from kpi.results.routes import bp as results_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(indicators_bp)
    app.register_blueprint(rollover_bp)
    app.register_blueprint(budget_amounts_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(results_excel_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(finance_bp)
    app.register_blueprint(adjustments_bp)
    app.register_blueprint(recheck_bp)


def _subscribe_receivers() -> None:
    """Connect the features that react to another's event (kpi.workflow.signals), the job kinds
    the background worker runs (kpi.jobs.queue) and what features lend the finance desk
    (kpi.reports.contributions) and the 待办 page; idempotent."""
    from kpi.adjustments.todo import contribute as lend_pending_adjustments
    from kpi.evaluation.service import contribute as lend_self_evaluation_forms
    from kpi.finance.jobs import register_kinds as register_finance_jobs
    from kpi.progress.service import contribute as lend_unit_progress
    from kpi.reminders.notify import subscribe as subscribe_reminders

    subscribe_reminders()
    register_finance_jobs()
    lend_unit_progress()  # the finance desk's downloads (kpi.reports.contributions)
    lend_self_evaluation_forms()
    lend_pending_adjustments()  # the 待办 page (kpi.reminders.todo)


def _register_error_pages(app: Flask) -> None:
    # Chinese error pages instead of Werkzeug's English ones; never a bare 500 trace.
    messages = {
        400: "请求无效，请返回重试。",
        403: "您没有权限访问此页面。",
        404: "页面不存在，或您无权查看。",
        405: "不支持该操作。",
        413: "上传的文件过大。",
        500: "服务器内部错误，请稍后再试；如持续出现请联系管理员。",
    }

    def handler(error):
        code = getattr(error, "code", 500) or 500
        return render_template("error.html", code=code, message=messages.get(code, "请求出错。")), code

    for code in messages:
        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        message = "页面已过期或表单校验失败，请刷新页面后重新提交（已填写的内容请先复制保存）。"
        return render_template("error.html", code=400, message=message), 400


def _register_template_helpers(app: Flask) -> None:
    from kpi import formatting
    from kpi.core import time as beijing

    app.jinja_env.filters["num"] = formatting.format_number
    # The workbooks' one rounding rule on every page: 万元 and rates with 2 decimals (issue 16).
    app.jinja_env.filters["money"] = formatting.format_money
    app.jinja_env.filters["rate"] = formatting.format_rate
    app.jinja_env.filters["comparator"] = formatting.format_comparator
    # Every time a page shows is Beijing time, whatever the server's TZ (kpi.core.time).
    app.jinja_env.filters["bj_datetime"] = beijing.format_datetime
    app.jinja_env.filters["bj_date"] = beijing.format_date
