"""Settings from environment variables, in one place.

Every variable is documented in the README ("Configuration"). Development gets
safe defaults that live in the Flask instance folder; production (KPI_ENV=production)
refuses to start on an unsafe default instead of quietly running with it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kpi.core.keys import derived_key


class ConfigError(RuntimeError):
    """Raised at start-up when the environment is unsafe or inconsistent."""


def _instance_secret_key(instance_path: Path) -> str:
    # A generated key kept on disk survives restarts, so development sessions
    # are not logged out each time the server reloads.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    export_dir: Path
    upload_dir: Path
    idle_minutes: int = 30
    ratelimit_storage: str = "memory://"
    session_hours: int = 8  # absolute lifetime of a sign-in, however busy
    # Keys that never enter the database: the audit trail's MAC and the backups' signature.
    audit_key: bytes = b""
    backup_key: bytes = b""
    password_profile: str = "default"  # Argon2 parameters (kpi.accounts.passwords.PROFILES)

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'kpi.sqlite3'}"


def load_settings(instance_path: Path, project_root: Path) -> Settings:
    """Read KPI_* variables; fill development defaults; refuse unsafe production ones."""
    env = os.environ.get("KPI_ENV", "development").strip().lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"KPI_ENV must be development, production or testing, not {env!r}")
    database_url = os.environ.get("KPI_DATABASE_URL") or default_database_url(instance_path)
    secret_key = os.environ.get("KPI_SECRET_KEY", "")
    if env == "production" and len(secret_key) < 32:
        raise ConfigError("KPI_SECRET_KEY must be set to at least 32 random characters in production")
    if not secret_key:
        secret_key = _instance_secret_key(instance_path)
    export_dir = Path(os.environ.get("KPI_EXPORT_DIR") or project_root / "exports")
    upload_dir = Path(os.environ.get("KPI_UPLOAD_DIR") or instance_path / "uploads")
    idle = os.environ.get("KPI_IDLE_MINUTES", "30")
    if not (idle.isascii() and idle.isdigit()) or not 5 <= int(idle) <= 24 * 60:
        raise ConfigError("KPI_IDLE_MINUTES must be a whole number of minutes between 5 and 1440")
    hours = os.environ.get("KPI_SESSION_HOURS", "8")
    if not (hours.isascii() and hours.isdigit()) or not 1 <= int(hours) <= 24 * 7:
        raise ConfigError("KPI_SESSION_HOURS must be a whole number of hours between 1 and 168")
    profile = os.environ.get("KPI_PASSWORD_PROFILE", "default").strip() or "default"
    if profile not in {"default", "cheapest"} or (env == "production" and profile != "default"):
        raise ConfigError("KPI_PASSWORD_PROFILE must be default (or cheapest, for tests only; never in production)")
    return Settings(
        env=env,
        database_url=database_url,
        secret_key=secret_key,
        export_dir=export_dir,
        upload_dir=upload_dir,
        idle_minutes=int(idle),
        ratelimit_storage=os.environ.get("KPI_RATELIMIT_STORAGE", "memory://"),
        session_hours=int(hours),
        audit_key=_key("KPI_AUDIT_KEY", secret_key, "audit"),
        backup_key=_key("KPI_BACKUP_KEY", secret_key, "backup"),
        password_profile=profile,
    )


def _key(name: str, secret_key: str, purpose: str) -> bytes:
    """KPI_AUDIT_KEY / KPI_BACKUP_KEY when set, else derived from the secret key.

    Derived keys need no extra set-up and are shared by every server that shares
    KPI_SECRET_KEY; a dedicated key lets the secret key rotate without re-signing
    the audit trail or old backups.
    """
    value = os.environ.get(name, "")
    if value and len(value) < 32:
        raise ConfigError(f"{name} must be at least 32 random characters")
    return value.encode() if value else derived_key(secret_key, purpose)


def flask_config(settings: Settings) -> dict:
    """The Flask config mapping for these settings."""
    return {
        "KPI_SETTINGS": settings,
        "SECRET_KEY": settings.secret_key,
        "KPI_DATABASE_URL": settings.database_url,
        "KPI_EXPORT_DIR": settings.export_dir,
        "KPI_UPLOAD_DIR": settings.upload_dir,
        "KPI_SESSION_HOURS": settings.session_hours,
        "KPI_AUDIT_KEY": settings.audit_key,
        "KPI_BACKUP_KEY": settings.backup_key,
        "KPI_PASSWORD_PROFILE": settings.password_profile,
        # Uploads are target tables and quarterly workbooks: a few hundred KB.
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        # Quarterly forms are long; a 1-hour CSRF window loses typed work.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "JSON_AS_ASCII": False,
        **mail_config(),
    }


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def mail_config() -> dict:
    """SMTP and scheduler settings (README, "Reminders and e-mail"). No host means in-app only."""
    return {
        "KPI_SMTP_HOST": os.environ.get("KPI_SMTP_HOST", ""),
        "KPI_SMTP_PORT": int(os.environ.get("KPI_SMTP_PORT", "25")),
        "KPI_SMTP_USER": os.environ.get("KPI_SMTP_USER", ""),
        "KPI_SMTP_PASSWORD": os.environ.get("KPI_SMTP_PASSWORD", ""),
        "KPI_SMTP_STARTTLS": _flag("KPI_SMTP_STARTTLS", False),
        "KPI_MAIL_FROM": os.environ.get("KPI_MAIL_FROM", "kpi@localhost"),
        "KPI_BASE_URL": os.environ.get("KPI_BASE_URL", "http://127.0.0.1:5000"),
        "KPI_SCHEDULER": os.environ.get("KPI_SCHEDULER", "on"),
        "KPI_WORKER": os.environ.get("KPI_WORKER", "on"),
    }
