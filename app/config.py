"""Settings read once from the environment (and an optional `.env`), validated at start-up.

Everything the app knows about its environment passes through `Settings.from_env`; nothing
else reads `os.environ`. A bad value raises `ConfigError` naming the variable.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import current_app
from limits import parse_many  # validates RATELIMIT_* values like "10/minute;100/hour"
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENTS = ("development", "test", "production")
DEV_PORT = 5000  # where scripts/dev serves; PORT overrides it
MIN_SECRET_KEY_BYTES = 32  # 256 bits: session cookies, unsubscribe and demo tokens
# gunicorn.conf.py's worker count when WEB_CONCURRENCY is unset; keep the two in step.
DEFAULT_WEB_CONCURRENCY = 2
# DATABASE_URL schemes -> the SQLAlchemy driver used; Fly and Heroku attach postgres://.
DATABASE_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg",
                    "postgresql+psycopg": "postgresql+psycopg", "sqlite": "sqlite"}
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,30}$")
HOST_NAME = re.compile(r"^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$")  # a leading dot: any subdomain

# name -> (default limit string, scope description); RATELIMIT_<NAME> overrides.
DEFAULT_LIMITS = {
    "webhook": "100/minute",
    "upload": "10/hour",
    "ai_refine": "5/minute",
    "email_user": "10/minute",
    "email_ip": "50/hour",
    "appeal_writes": "60/minute",
    "api_reads": "120/minute",
    "public": "100/minute",
    "unsubscribe": "10/minute",
    "admin_login": "5/minute",
    "health_detailed": "60/minute",  # unauthenticated /health/detailed, per IP
}

# name -> (fail_max, reset timeout seconds); BREAKER_<NAME>_FAIL_MAX / _RESET_S override.
DEFAULT_BREAKERS = {
    "database": (5, 300),
    "stripe": (3, 30),
    "deepseek": (5, 60),
    "email": (5, 60),
    "redis": (5, 30),
    "mail": (3, 60),
    "ocr": (5, 30),
}


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (env.get(name) or "").split(",") if p.strip())


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(f"RATELIMIT_{name.upper()}") or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"RATELIMIT_{name.upper()} is not a rate limit like '10/minute': {value!r}") from None
    return value


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    """DATABASE_URL with the scheme rewritten for SQLAlchemy (postgres:// -> postgresql+psycopg://)."""
    raw = env.get("DATABASE_URL") or f"sqlite:///{instance / 'fightcitytickets.db'}"
    scheme, separator, rest = raw.partition("://")
    driver = DATABASE_SCHEMES.get(scheme.lower())
    if not separator or driver is None:
        # At most the scheme is echoed: the rest of the URL may hold a password.
        given = f", got {scheme}://…" if separator and SCHEME.match(scheme) else ""
        raise ConfigError("DATABASE_URL must be a postgres://, postgresql://, "
                          f"postgresql+psycopg:// or sqlite:/// URL{given}")
    url = f"{driver}://{rest}"
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL could not be read as a database URL") from None
    return url


def _public_base_url(env: Mapping[str, str], production: bool) -> str:
    """The only base of absolute links; never taken from a request (see app.urls)."""
    raw = (env.get("PUBLIC_BASE_URL") or "").strip()
    if not raw:
        if production:
            raise ConfigError("PUBLIC_BASE_URL must be set when APP_ENV=production "
                              "(the address links in emails point to)")
        return f"http://127.0.0.1:{_int(env, 'PORT', DEV_PORT, minimum=1)}"
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        parts = parts._replace(netloc="")
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or "@" in parts.netloc):
        raise ConfigError(f"PUBLIC_BASE_URL must be an address like https://fightcitytickets.com, "
                          f"got {raw!r}")
    if production and parts.scheme != "https":
        raise ConfigError("PUBLIC_BASE_URL must start with https:// when APP_ENV=production: "
                          "its links carry the key to an appeal")
    return raw.rstrip("/")


def _trusted_hosts(env: Mapping[str, str], production: bool, public_base_url: str) -> tuple[str, ...]:
    """Host names requests may carry; () lets any through (development and test)."""
    hosts = tuple(host.lower() for host in _list(env, "TRUSTED_HOSTS"))
    for host in hosts:
        if not HOST_NAME.match(host):
            raise ConfigError(f"TRUSTED_HOSTS must list host names like fightcitytickets.com or "
                              f".fly.dev (no scheme or port), got {host!r}")
    if not hosts and production:
        hosts = (urlsplit(public_base_url).hostname or "",)
    return hosts


def _secret_keys(env: Mapping[str, str], production: bool) -> tuple[str, tuple[str, ...]]:
    """SECRET_KEY and its fallbacks; in production each must be long enough not to be guessed.

    A fallback verifies sessions and unsubscribe tokens just as the current key does, so a
    short one would be as easy a way to forge them.
    """
    key, fallbacks = env.get("SECRET_KEY", ""), _list(env, "SECRET_KEY_FALLBACKS")
    if production:
        hint = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        if len(key.encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes when "
                              f"APP_ENV=production ({hint})")
        if any(len(old.encode()) < MIN_SECRET_KEY_BYTES for old in fallbacks):
            raise ConfigError(f"SECRET_KEY_FALLBACKS: every key must be at least "
                              f"{MIN_SECRET_KEY_BYTES} bytes when APP_ENV=production")
    return key, fallbacks


def _check_shared_limits(env: Mapping[str, str], production: bool) -> None:
    """Limits kept in one worker's memory are multiplied by the workers: the operator login
    limit would let WEB_CONCURRENCY times more guesses through. Production needs Redis then."""
    workers = _int(env, "WEB_CONCURRENCY", DEFAULT_WEB_CONCURRENCY, minimum=1)
    if production and workers > 1 and not env.get("REDIS_URL"):
        raise ConfigError(f"REDIS_URL must be set when APP_ENV=production runs {workers} web "
                          "workers (WEB_CONCURRENCY): rate limits need one shared store; "
                          "or set WEB_CONCURRENCY=1")


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    log_level: str = "info"
    instance_path: str = "instance"
    secret_key: str = ""
    secret_key_fallbacks: tuple[str, ...] = ()
    database_url: str = ""
    db_pool_size: int = 5
    db_max_overflow: int = 5
    db_pool_timeout: float = 5.0
    db_statement_timeout_ms: int = 3000
    db_idle_in_tx_timeout_ms: int = 5000
    redis_url: str = ""
    trusted_proxy_count: int = 0
    cors_origins: tuple[str, ...] = ()
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""
    price_standard_cents: int = 989
    price_certified_cents: int = 1989
    appeal_currency: str = "usd"
    deepseek_api_key: str = ""
    deepseek_base_url: str = "https://api.deepseek.com"
    deepseek_model: str = "deepseek-chat"
    deepseek_timeout_s: float = 20.0
    ai_workers: int = 4
    ai_queue_size: int = 20
    ai_tokens_per_ip_per_day: int = 1000
    email_backend: str = "console"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_timeout_s: float = 10.0
    mail_from: str = "Fight City Tickets <no-reply@fightcitytickets.com>"
    admin_alert_email: str = ""
    sentry_dsn: str = ""
    sentry_environment: str = ""
    sentry_traces_sample_rate: float = 0.0
    storage_backend: str = "local"
    upload_dir: str = ""
    aws_s3_bucket: str = ""
    aws_region: str = ""
    aws_endpoint_url: str = ""
    health_token: str = ""
    metrics_token: str = ""
    scheduler_mode: str = "embedded"
    public_base_url: str = f"http://127.0.0.1:{DEV_PORT}"
    trusted_hosts: tuple[str, ...] = ()
    mail_backend: str = "manual"
    lob_api_key: str = ""
    lob_api_base: str = "https://api.lob.com/v1"
    lob_webhook_secret: str = ""
    mail_safety_days: int = 3
    support_email: str = "support@fightcitytickets.com"
    ocr_workers: int = 2
    ocr_queue_size: int = 4
    ocr_budget_s: float = 8.0
    reminder_after_hours: int = 24
    limits: dict[str, str] = field(default_factory=dict)
    breakers: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def demo_payments(self) -> bool:
        return not self.stripe_secret_key and not self.is_production

    @property
    def ai_enabled(self) -> bool:
        return bool(self.deepseek_api_key)

    def with_overrides(self, **overrides: Any) -> "Settings":
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return replace(self, **overrides)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, instance_path: str | None = None,
                 default_instance: str = "instance") -> "Settings":
        """`instance_path` wins over INSTANCE_PATH, which wins over `default_instance`."""
        env = dict(os.environ if env is None else env)
        app_env = _choice(env, "APP_ENV", "development", ENVIRONMENTS)
        production = app_env == "production"
        instance = Path(instance_path or env.get("INSTANCE_PATH") or default_instance).resolve()

        if production:
            for required in ("SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY",
                             "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
                if not env.get(required):
                    raise ConfigError(f"{required} must be set when APP_ENV=production")

        cors_default = () if production else ("*",)
        stripe_keys = [env.get(k, "") for k in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")]
        if any(stripe_keys) and not all(stripe_keys):
            raise ConfigError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together")
        email_backend = _choice(env, "EMAIL_BACKEND", "console", ("console", "smtp"))
        if email_backend == "smtp" and not env.get("SMTP_HOST"):
            raise ConfigError("SMTP_HOST must be set when EMAIL_BACKEND=smtp")
        storage_backend = _choice(env, "STORAGE_BACKEND", "local", ("local", "s3"))
        if storage_backend == "s3" and not env.get("AWS_S3_BUCKET"):
            raise ConfigError("AWS_S3_BUCKET must be set when STORAGE_BACKEND=s3")
        mail_backend = _choice(env, "MAIL_BACKEND", "manual", ("manual", "lob"))
        if mail_backend == "lob" and not env.get("LOB_API_KEY"):
            raise ConfigError("LOB_API_KEY must be set when MAIL_BACKEND=lob")
        if mail_backend == "lob" and not env.get("LOB_WEBHOOK_SECRET"):
            raise ConfigError("LOB_WEBHOOK_SECRET must be set when MAIL_BACKEND=lob "
                              "(tracking events are refused without it)")
        database_url = _database_url(env, instance)
        secret_key, secret_key_fallbacks = _secret_keys(env, production)
        public_base_url = _public_base_url(env, production)
        _check_shared_limits(env, production)

        breakers = {}
        for name, (fail_max, reset_s) in DEFAULT_BREAKERS.items():
            breakers[name] = (
                _int(env, f"BREAKER_{name.upper()}_FAIL_MAX", fail_max, minimum=1),
                _int(env, f"BREAKER_{name.upper()}_RESET_S", reset_s, minimum=1),
            )

        return cls(
            app_env=app_env,
            log_level=_choice(env, "LOG_LEVEL", "warning" if app_env == "test" else "info",
                              ("debug", "info", "warning", "error")),
            instance_path=str(instance),
            secret_key=secret_key,
            secret_key_fallbacks=secret_key_fallbacks,
            database_url=database_url,
            db_pool_size=_int(env, "DB_POOL_SIZE", 5, minimum=1),
            db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 5),
            db_pool_timeout=_float(env, "DB_POOL_TIMEOUT", 5.0, minimum=0.1),
            db_statement_timeout_ms=_int(env, "DB_STATEMENT_TIMEOUT_MS", 3000),
            db_idle_in_tx_timeout_ms=_int(env, "DB_IDLE_IN_TX_TIMEOUT_MS", 5000),
            redis_url=env.get("REDIS_URL", ""),
            trusted_proxy_count=_int(env, "TRUSTED_PROXY_COUNT", 0),
            cors_origins=_list(env, "CORS_ORIGINS") or cors_default,
            stripe_secret_key=env.get("STRIPE_SECRET_KEY", ""),
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY", ""),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_api_base=env.get("STRIPE_API_BASE", ""),
            price_standard_cents=_int(env, "PRICE_STANDARD_CENTS", 989, minimum=50),
            price_certified_cents=_int(env, "PRICE_CERTIFIED_CENTS", 1989, minimum=50),
            appeal_currency=(env.get("APPEAL_CURRENCY") or "usd").lower(),
            deepseek_api_key=env.get("DEEPSEEK_API_KEY", ""),
            deepseek_base_url=env.get("DEEPSEEK_BASE_URL") or "https://api.deepseek.com",
            deepseek_model=env.get("DEEPSEEK_MODEL") or "deepseek-chat",
            deepseek_timeout_s=_float(env, "DEEPSEEK_TIMEOUT_S", 20.0, minimum=0.1),
            ai_workers=_int(env, "AI_WORKERS", 4, minimum=1),
            ai_queue_size=_int(env, "AI_QUEUE_SIZE", 20, minimum=1),
            ai_tokens_per_ip_per_day=_int(env, "AI_TOKENS_PER_IP_PER_DAY", 1000, minimum=1),
            email_backend=email_backend,
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=_int(env, "SMTP_PORT", 587, minimum=1),
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env, "SMTP_STARTTLS", True),
            smtp_timeout_s=_float(env, "SMTP_TIMEOUT_S", 10.0, minimum=0.1),
            mail_from=env.get("MAIL_FROM") or "Fight City Tickets <no-reply@fightcitytickets.com>",
            admin_alert_email=env.get("ADMIN_ALERT_EMAIL", ""),
            sentry_dsn=env.get("SENTRY_DSN", ""),
            sentry_environment=env.get("SENTRY_ENVIRONMENT") or app_env,
            sentry_traces_sample_rate=_float(env, "SENTRY_TRACES_SAMPLE_RATE", 0.0),
            storage_backend=storage_backend,
            upload_dir=env.get("UPLOAD_DIR") or str(instance / "uploads"),
            aws_s3_bucket=env.get("AWS_S3_BUCKET", ""),
            aws_region=env.get("AWS_REGION", ""),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL", ""),
            health_token=env.get("HEALTH_TOKEN", ""),
            metrics_token=env.get("METRICS_TOKEN", ""),
            scheduler_mode=_choice(env, "SCHEDULER_MODE", "off" if production else "embedded",
                                   ("embedded", "off")),
            public_base_url=public_base_url,
            trusted_hosts=_trusted_hosts(env, production, public_base_url),
            mail_backend=mail_backend,
            lob_api_key=env.get("LOB_API_KEY", ""),
            lob_api_base=(env.get("LOB_API_BASE") or "https://api.lob.com/v1").rstrip("/"),
            lob_webhook_secret=env.get("LOB_WEBHOOK_SECRET", ""),
            mail_safety_days=_int(env, "MAIL_SAFETY_DAYS", 3),
            support_email=env.get("SUPPORT_EMAIL") or "support@fightcitytickets.com",
            ocr_workers=_int(env, "OCR_WORKERS", 2, minimum=1),
            ocr_queue_size=_int(env, "OCR_QUEUE_SIZE", 4),
            ocr_budget_s=_float(env, "OCR_BUDGET_S", 8.0, minimum=0.5),
            reminder_after_hours=_int(env, "REMINDER_AFTER_HOURS", 24, minimum=1),
            limits={name: _limit(env, name, default) for name, default in DEFAULT_LIMITS.items()},
            breakers=breakers,
        )


def development_secret_key(instance_path: str) -> str:
    """A key generated once and kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def current_settings() -> Settings:
    """The running app's Settings (read once, in create_app)."""
    return current_app.extensions["settings"]
