"""Renew the README's screenshots: `.venv/bin/python -m tools.screenshots [--out docs]`.

Everything is built afresh in a temporary folder, so a rerun gives the same pictures whatever
the developer's own database holds:

1. a SQLite database, migrated and loaded with the default dataset (as `kpi init` does), then a
   year of sample results for the seed unit entered through `kpi import-results` (a handful of
   chosen figures a quarter, the rest from the targets, and the budget spending) and moved on
   through the services: 一季度 approved; 二季度 returned, approved, reopened and approved again;
   三季度 awaiting review; 四季度 and the 绩效自评 drafts; a 目标调整 awaiting the finance bureau;
2. the four workbooks (自评表, 监控表, 进度表, 汇总表), each one's first page as LibreOffice prints it
   (`soffice --convert-to pdf`, then `pdftoppm` at 110 dpi) → docs/workbook-*.png;
3. the app served on a free loopback port and Debian's Chromium driven by Playwright, at a
   1366×768 viewport → docs/todo.png, screenshot.png, quarter.png, approval-history.png,
   dashboard.png, monitoring.png, self-evaluation.png, target-tables.png, adjustment.png, and the
   admin's account pages (accounts.png, units.png) when the app has them.

Needs LibreOffice (`apt-get install -y libreoffice-calc`), poppler-utils (`pdftoppm`), Debian's
chromium and Playwright for Python (requirements-dev.txt); it says which is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UNIT, YEAR = "深圳市消费者委员会秘书处", 2023
PASSWORD = "Demo@2023"  # the demo accounts' password (`kpi init`, local use only)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 768}
DPI = "110"

# The sample year: each quarter's own figure (cumulative counts add up over the year; rates and
# levels are the figure at the quarter's end), by 三级指标 and, for a project's indicator, project.
# A few lag behind on purpose, so the dashboard and the self-evaluation have something to say.
Q = ("Q1", "Q2", "Q3", "Q4")
RESULTS: list[tuple[str, str | None, tuple]] = [
    ("投诉调解辅助服务", "市场监督管理事务", (4620, 4870, 5010, 4980)),
    ("接听消费者投诉咨询电话", None, (23800, 26100, 25400, 24300)),
    ("投诉工单审核辅助服务", None, (1650, 1820, 1790, 1760)),
    ("投诉分级公示辅助服务", None, (4100, 4350, 4600, 4700)),
    ("增加和解企业", None, (380, 420, 510, 560)),
    ("官方微信公众号更新信息次数", None, (118, 131, 126, 120)),
    ("315活动次数", None, (1, None, None, None)),
    ("开展消费教育活动次数", None, (1, 1, 2, 1)),
    ("开展商品或服务比较试验", None, (1, 1, 1, 1)),
    ("志愿者活动数量", None, (8, 9, 6, 11)),
    ("办公电脑、办公设备及相关终端的软硬件维护次数", None, (128, 119, 131, 124)),
    ("年处理投诉数量", "信息化类", (11800, 12650, 13100, 13400)),
    ("用户针对系统运行的投诉次数", None, (1, 2, 1, 1)),
    ("单位伙食保障人数", None, (27, 27, 27, 27)),
    ("投诉处理总成功率", None, ("54.8%", "56.3%", "55.1%", "55.6%")),
    ("投诉处理消费者满意度", None, (None, "62%", None, "64%")),
    ("消费教育活动满意度", None, (None, "86%", None, "88%")),
    ("办公设备购置的验收情况", None, (None, None, None, "达成")),
]
# 执行数（万元） of each budget line, quarter by quarter.
SPENDING: dict[str, tuple] = {
    "基本支出": (305, 318, 311, 296),
    "市场监督管理事务": (236, 352, 368, 395),
    "信息化类": (38, 61, 57, 96),
    "综合管理类": (2.4, 5.8, 3.1, 5.2),
    "修缮维护类": (0, 0.6, 0.8, 0.5),
}
# Every other indicator gets figures from its target: counts quarter by quarter, rates and levels at
# mid-year and year end, bands and dates at year end; completion cycles through these factors.
FACTORS = (1.0, 0.96, 1.05, 0.88, 1.0, 0.72, 1.12, 1.0)
SHARES = (0.22, 0.26, 0.27, 0.25)  # each quarter's part of a year's count
# 实际完成情况 of the self-evaluation's tables (a draft): the unit's, and each project's.
UNIT_GOAL_TEXT = (
    "全年受理消费投诉、调解及分级公示等辅助服务按计划完成，比较试验、消费教育和志愿者活动略低于年度目标；"
    "预算执行率 97.02%，信息化类项目执行偏慢。"
)
GOAL_TEXT = "按年度工作计划完成，项目资金按进度支付。"
# What happens to each quarter once its figures are in: steps, each (action, who, reason).
# 二季度 is reopened once, for a correction, so its 审批记录 has a story to tell.
STAFF, REVIEWER, FINANCE, ADMIN = "szcc_staff", "szcc_reviewer", "finance", "admin"
STEPS = {
    1: [("submit", STAFF, None), ("approve", REVIEWER, None)],
    2: [
        ("submit", STAFF, None),
        ("return", REVIEWER, "投诉处理总成功率请附统计口径说明后再送审。"),
        ("submit", STAFF, None),
        ("approve", REVIEWER, None),
        ("reopen", REVIEWER, "6月投诉调解数据经复核有误，需更正后重新送审。"),
        ("submit", STAFF, None),
        ("approve", REVIEWER, None),
    ],
    3: [("submit", STAFF, None)],
}
# A 绩效目标调整 of the unit's table, proposed and checked (初审), awaiting the finance bureau's 批复.
ADJUSTMENT = {
    "name": "开展商品或服务比较试验",
    "target": "4次",
    "reason": "年中预算调剂，比较试验经费压减，全年比较试验由5次调整为4次。",
    "basis": "深财预〔2023〕88号",
}


def missing_tools() -> list[str]:
    """What is not installed, each with how to install it."""
    missing = []
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        missing.append("soffice (LibreOffice): apt-get install -y libreoffice-calc")
    if not shutil.which("pdftoppm"):
        missing.append("pdftoppm (poppler-utils): apt-get install -y poppler-utils")
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (Debian's Chromium): apt-get install -y chromium")
    if importlib.util.find_spec("playwright") is None:
        missing.append("playwright (Python package): .venv/bin/pip install -r requirements-dev.txt")
    return missing


def _environment(folder: Path) -> None:
    """Settings for a throwaway app: its own database, keys and folders; no mail, no scheduler."""
    os.environ.update(
        {
            "KPI_ENV": "development",
            "KPI_DATABASE_URL": f"sqlite:///{folder / 'kpi.sqlite3'}",
            "KPI_SECRET_KEY": secrets.token_hex(32),
            "KPI_AUDIT_KEY": secrets.token_hex(32),
            "KPI_EXPORT_DIR": str(folder / "exports"),
            "KPI_UPLOAD_DIR": str(folder / "uploads"),
            "KPI_SMTP_HOST": "",
            "KPI_SCHEDULER": "off",
            "KPI_WORKER": "off",
        }
    )


def build_app(folder: Path):
    """The app on a fresh database: migrated, the default dataset, the sample year entered."""
    _environment(folder)
    from kpi.application import create_app
    from kpi.audit.signing import KEY_INFO
    from kpi.dataset import load_default_dataset_if_empty
    from kpi.db import make_engine, transaction
    from kpi.migrate import upgrade_to_head

    engine = make_engine(os.environ["KPI_DATABASE_URL"])
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    app = create_app()
    with app.app_context():
        from kpi import db

        with transaction(db.engine()) as session:
            session.info[KEY_INFO] = app.config["KPI_AUDIT_KEY"]
            load_default_dataset_if_empty(session)
    enter_sample_year(app, folder)
    return app


def enter_sample_year(app, folder: Path) -> None:
    """Import the sample figures as a unit would (`kpi import-results`), then submit and approve."""
    from openpyxl import Workbook

    wb = Workbook()
    results = wb.active
    results.title = "指标完成情况"
    results.append(["单位", "年度", "期间", "三级指标", "完成值", "项目"])
    for name, project, values in RESULTS + other_indicators(app):
        for period, value in zip(Q, values):
            if value is not None:
                results.append([UNIT, YEAR, period, name, value, project])
    spending = wb.create_sheet("预算执行情况")
    spending.append(["单位", "年度", "期间", "项目", "执行数（万元）"])
    for line, amounts in SPENDING.items():
        for period, amount in zip(Q, amounts):
            if amount is not None:
                spending.append([UNIT, YEAR, period, line, amount])
    path = folder / f"results-{YEAR}.xlsx"
    wb.save(path)
    outcome = app.test_cli_runner().invoke(args=["kpi", "import-results", str(path)])
    if outcome.exit_code != 0:
        raise RuntimeError(f"kpi import-results refused the sample year:\n{outcome.output}")

    from sqlmodel import select

    from kpi import db
    from kpi.accounts.models import User
    from kpi.budget import service as budget
    from kpi.results import service as results_service
    from kpi.results.sheet import load_sheet

    with app.app_context(), db.transaction() as session:
        unit, fiscal_year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        for quarter, steps in STEPS.items():
            for action, username, reason in steps:
                user = session.exec(select(User).where(User.username == username)).one()
                sheet = load_sheet(session, unit, fiscal_year, quarter)
                results_service.transition(session, sheet, action, user=user, expected_version=None, reason=reason)
    draft_self_evaluation(app)
    propose_adjustment(app)


def propose_adjustment(app) -> int:
    """The adjustment ADJUSTMENT: proposed and submitted by staff, checked by the reviewer; its id."""
    from sqlmodel import select

    from kpi import db
    from kpi.accounts.models import User
    from kpi.adjustments import service as adjustments
    from kpi.adjustments.schemas import validate_proposal
    from kpi.budget import service as budget
    from kpi.indicators.models import Indicator
    from kpi.indicators.tables import find_table

    with app.app_context(), db.transaction() as session:
        unit, fiscal_year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        users = {user.username: user for user in session.exec(select(User))}
        indicator = session.exec(
            select(Indicator).where(
                Indicator.unit_id == unit.id,
                Indicator.year_id == fiscal_year.id,
                Indicator.scope == "unit",
                Indicator.name == ADJUSTMENT["name"],
            )
        ).one()
        proposal = validate_proposal(
            [indicator], {indicator.id: {"target": ADJUSTMENT["target"]}}, ADJUSTMENT["reason"], ADJUSTMENT["basis"]
        )
        table = find_table(session, unit.id, fiscal_year.id, None)
        adjustment = adjustments.propose(session, table, proposal, user=users[STAFF])
        adjustments.submit(session, adjustment, user=users[STAFF], expected_version=adjustment.version)
        adjustments.check(session, adjustment, user=users[REVIEWER], expected_version=adjustment.version)
        return adjustment.id


def draft_self_evaluation(app) -> None:
    """A draft 绩效自评 (staff): each table's 实际完成情况 written, so the 汇总表 has its score."""
    from sqlmodel import select

    from kpi import db
    from kpi.accounts.models import User
    from kpi.budget import service as budget
    from kpi.evaluation import service as evaluation
    from kpi.evaluation.validation import goal_field, validate_input

    with app.app_context(), db.transaction() as session:
        unit = budget.get_unit(session, UNIT)
        user = session.exec(select(User).where(User.username == STAFF)).one()
        result = evaluation.find(session, unit.id, YEAR)
        form = {goal_field(table.goal_key): GOAL_TEXT for table in result.tables}
        form[goal_field(None)] = UNIT_GOAL_TEXT
        evaluation.save(session, result, validate_input(result, form), user=user, expected_version=None)


def other_indicators(app) -> list[tuple[str, str | None, tuple]]:
    """Figures, as RESULTS has them, for the seed unit's indicators RESULTS leaves out."""
    from sqlmodel import Session, select

    from kpi import db
    from kpi.budget import service as budget
    from kpi.indicators.models import Indicator

    named = {(name, project) for name, project, _ in RESULTS}
    rows = []
    with app.app_context(), Session(db.engine()) as session:
        unit, fiscal_year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        lines = {line.id: line.name for line in budget.budget_lines(session, unit, fiscal_year)}
        indicators = session.exec(
            select(Indicator)
            .where(Indicator.unit_id == unit.id, Indicator.year_id == fiscal_year.id)
            .order_by(Indicator.id)
        ).all()
        for position, indicator in enumerate(indicators):
            project = lines.get(indicator.budget_line_id) if indicator.scope == "project" else None
            if (indicator.name, project) in named or getattr(indicator, "same_as_id", None):
                continue  # given above, or a unit row that shows a project's figure (同一指标)
            values = _figures(indicator, FACTORS[position % len(FACTORS)], position)
            if values:
                rows.append((indicator.name, project, values))
    return rows


def _figures(indicator, factor: float, position: int) -> tuple | None:
    """A year of figures for one indicator, from its target and kind."""
    target = float(indicator.target_value) if indicator.target_value is not None else None
    kind = indicator.aggregation
    if kind == "qualitative":
        return (None, None, None, "部分达成" if position % 5 == 3 else "达成")
    if kind == "deadline":
        return (None, None, None, dt.datetime(YEAR, 12, 15 + position % 10))
    if target is None:
        return None  # 项目支出金额 (budget): read from the spending
    if indicator.direction == "reverse":  # a limit: well within it
        return tuple(round(target * 0.6 * share) for share in SHARES)
    if kind == "rate":
        rate = min(target * factor, 100.0)
        return (None, f"{rate - 2:.1f}%", None, f"{rate:.1f}%")
    if kind == "level":
        return (None, round(target * factor), None, round(target * factor))
    total = max(round(target * factor), 1)
    if total < 8:  # a few events a year: in the quarters they happen
        counts = [0, 0, 0, 0]
        for event in range(total):
            counts[(position + event * 2) % 4] += 1
        return tuple(count or None for count in counts)
    parts = [round(total * share) for share in SHARES[:3]]
    return (*parts, total - sum(parts))


# --- the workbooks ------------------------------------------------------------------------


def export_workbooks(app, folder: Path) -> dict[str, Path]:
    """The four workbooks as .xlsx files in ``folder``, by name."""
    from sqlmodel import Session

    from kpi import db
    from kpi.budget import service as budget
    from kpi.evaluation.sheet import evaluate
    from kpi.evaluation.workbook import build_self_evaluation_workbook
    from kpi.finance.service import export_consolidated
    from kpi.monitoring.sheet import load_monitoring
    from kpi.monitoring.workbook import build_monitoring_workbook
    from kpi.progress.service import unit_progress
    from kpi.progress.workbook import build_progress_workbook

    folder.mkdir(parents=True, exist_ok=True)
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        unit, fiscal_year = budget.get_unit(session, UNIT), budget.get_year(session, YEAR)
        data = {
            "self-evaluation": build_self_evaluation_workbook(evaluate(session, unit, fiscal_year)),
            "monitoring": build_monitoring_workbook(load_monitoring(session, unit, fiscal_year)),
            "progress": build_progress_workbook(unit_progress(session, unit, fiscal_year)),
            "consolidated": export_consolidated(session, fiscal_year, folder / "exports").data,
        }
    paths = {}
    for name, content in data.items():
        paths[name] = folder / f"{name}.xlsx"
        paths[name].write_bytes(content)
    return paths


def first_page_png(xlsx: Path, png: Path, profile: Path) -> None:
    """The workbook's first printed page, as LibreOffice prints it, at 110 dpi."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdf_dir = xlsx.parent / "pdf"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(pdf_dir),
        str(xlsx),
    ]
    _run(command, timeout=300)
    pdf = pdf_dir / f"{xlsx.stem}.pdf"
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice did not write {pdf.name}")
    _run(["pdftoppm", "-png", "-r", DPI, "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))])


def _run(command: list[str], timeout: int = 120) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")


# --- the pages ----------------------------------------------------------------------------


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on a free loopback port, in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def admin_pages(app) -> dict[str, str]:
    """The admin's account pages, by file name, when the app has them (kpi/accounts/admin_routes.py)."""
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    wanted = {"accounts.png": "accounts_admin.users", "units.png": "accounts_admin.units"}
    return {name: endpoints[endpoint] for name, endpoint in wanted.items() if endpoint in endpoints}


def unit_pages(app) -> dict[str, dict[str, str]]:
    """The pages, by user and file name: a URL, or "URL#heading" to scroll down to that heading."""
    from sqlmodel import Session, select

    from kpi import db
    from kpi.adjustments.models import TargetAdjustment
    from kpi.budget import service as budget

    with app.app_context(), Session(db.engine()) as session:
        unit_id = budget.get_unit(session, UNIT).id
        adjustment_id = session.exec(select(TargetAdjustment.id).where(TargetAdjustment.unit_id == unit_id)).first()
    base = f"/units/{unit_id}/{YEAR}"
    staff = {
        "todo.png": "/",  # 待办, where signing in lands
        "screenshot.png": "/start",  # the unit's target table
        "quarter.png": f"{base}/quarters/4",  # the draft quarter, still to fill
        "approval-history.png": f"{base}/quarters/2#审批记录",  # returned, approved, reopened, approved
        "dashboard.png": f"{base}/dashboard?quarter=3",  # as of the quarter awaiting review
        "monitoring.png": f"{base}/monitoring",
        "self-evaluation.png": f"{base}/self-evaluation",
        "target-tables.png": f"{base}/adjustments",
    }
    finance = {"adjustment.png": f"/units/{unit_id}/adjustments/{adjustment_id}"} if adjustment_id else {}
    return {STAFF: staff, FINANCE: finance}


def take_pages(base_url: str, shots: dict[str, dict[str, str]], out: Path) -> list[Path]:
    """Sign in as each user and screenshot their pages at the README's viewport."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for username, pages in shots.items():
                context = browser.new_context(locale="zh-CN", viewport=VIEWPORT, timezone_id="Asia/Shanghai")
                page = context.new_page()
                _login(page, base_url, username)
                for name, address in pages.items():
                    url, _, heading = address.partition("#")
                    response = page.goto(base_url + url, wait_until="networkidle")
                    if response is None or not response.ok:
                        raise RuntimeError(f"{url} as {username}: HTTP {response.status if response else '?'}")
                    if heading:  # its section's end at the bottom of the window
                        section = page.get_by_role("heading", name=heading, exact=True).locator("xpath=..")
                        section.evaluate("element => element.scrollIntoView({block: 'end'})")
                    path = out / name
                    page.screenshot(path=str(path), full_page=False)
                    written.append(path)
                context.close()
        finally:
            browser.close()
    return written


def _login(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if page.url.rstrip("/").endswith("/login"):
        raise RuntimeError(f"could not sign in as {username}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"), help="folder for the PNG files (default: docs)")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print("Cannot take the screenshots; missing:", *(f"  - {item}" for item in missing), sep="\n", file=sys.stderr)
        return 2
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kpi-screenshots-") as tmp:
        folder = Path(tmp)
        print("Building a fresh database with a sample year …", flush=True)
        app = build_app(folder)
        print("Printing the workbooks' first pages …", flush=True)
        for name, xlsx in export_workbooks(app, folder / "workbooks").items():
            png = out / f"workbook-{name}.png"
            first_page_png(xlsx, png, folder / "soffice-profile")
            written.append(png)
        shots = unit_pages(app)
        admin = admin_pages(app)
        if admin:
            shots[ADMIN] = admin
        else:
            print("No admin account pages in this app: accounts.png and units.png not taken.")
        print("Taking the page screenshots …", flush=True)
        with serving(app) as base_url:
            written += take_pages(base_url, shots, out)
    for path in written:
        print(
            f"  {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}  {path.stat().st_size // 1024} KB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
