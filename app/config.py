"""Settings read once from the environment (and an optional `.env`), validated at start-up.

Each variable is a field of `Settings` below, with its default written there and nowhere
else. `Settings.from_env` reads one mapping (the process environment unless a mapping is
given; create_app loads `.env` into the process environment first) and nothing else reads
`os.environ`. A bad value raises `ConfigError` naming the variable, never pydantic's report.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping
from urllib.parse import urlsplit

from flask import current_app
from limits import parse_many  # validates RATELIMIT_* values like "10/minute;100/hour"
from pydantic import (AfterValidator, BeforeValidator, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)
from pydantic_settings import (BaseSettings, EnvSettingsSource, InitSettingsSource, NoDecode,
                               SettingsConfigDict)
from pydantic_settings.sources.utils import parse_env_vars
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_PORT = 5000  # where scripts/dev serves; PORT overrides it
MIN_SECRET_KEY_BYTES = 32  # 256 bits: session cookies, unsubscribe and demo tokens
# gunicorn.conf.py's worker count when WEB_CONCURRENCY is unset; keep the two in step.
DEFAULT_WEB_CONCURRENCY = 2
# DATABASE_URL schemes -> the SQLAlchemy driver used; Fly and Heroku attach postgres://.
DATABASE_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg",
                    "postgresql+psycopg": "postgresql+psycopg", "sqlite": "sqlite"}
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,30}$")
HOST_NAME = re.compile(r"^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$")  # a leading dot: any subdomain
PRODUCTION_REQUIRES = ("SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY",
                       "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")

# name -> default limit string; RATELIMIT_<NAME> overrides.
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
BREAKER_PARTS = ("FAIL_MAX", "RESET_S")  # the variable suffixes, in the tuple's order
FAMILIES = ("limits", "breakers")  # fields read from RATELIMIT_<NAME> and BREAKER_<NAME>_*


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed."""


def _switch(value: Any) -> Any:
    """Only these spellings, as before: pydantic alone would also take t/f/y/n."""
    if isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _comma_list(value: Any) -> Any:
    return tuple(p.strip() for p in value.split(",") if p.strip()) if isinstance(value, str) else value


def _choice(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _rate_limit(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"is not a rate limit like '10/minute': {value!r}") from None
    return value


def _limits_from_env(given: Any) -> Any:
    """RATELIMIT_<NAME> over DEFAULT_LIMITS; unknown names are ignored, as they always were."""
    if not isinstance(given, Mapping):
        return DEFAULT_LIMITS
    given = {name.lower(): value for name, value in given.items()}
    return {name: given.get(name, default) for name, default in DEFAULT_LIMITS.items()}


def _breakers_from_env(given: Any) -> Any:
    """BREAKER_<NAME>_FAIL_MAX / _RESET_S (read as the keys NAME_FAIL_MAX...) over DEFAULT_BREAKERS."""
    if not isinstance(given, Mapping):
        return DEFAULT_BREAKERS
    given = {key.upper(): value for key, value in given.items()}
    return {name: tuple(given.get(f"{name.upper()}_{part}", default)
                        for part, default in zip(BREAKER_PARTS, defaults))
            for name, defaults in DEFAULT_BREAKERS.items()}


Switch = Annotated[bool, BeforeValidator(_switch)]
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)]
Count = Annotated[int, Field(ge=1)]
Environment = Annotated[Literal["development", "test", "production"], BeforeValidator(_choice)]
LogLevel = Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(_choice)]
RateLimit = Annotated[str, AfterValidator(_rate_limit)]


def _production(info: ValidationInfo) -> bool:
    return info.data.get("app_env") == "production"


class Settings(BaseSettings):
    """Every variable, its default and its rule; fields read in this order (later rules may
    look at earlier fields through `info.data`)."""

    model_config = SettingsConfigDict(
        frozen=True, validate_default=True, case_sensitive=True, env_ignore_empty=True,
        alias_generator=str.upper, validate_by_name=False,
        # RATELIMIT_AI_REFINE -> limits["AI_REFINE"]: one level below the prefix, never more
        env_nested_delimiter="_", env_nested_max_split=1, env_file=None)

    app_env: Environment = "development"
    log_level: LogLevel = None  # warning under APP_ENV=test, info otherwise
    instance_path: str = "instance"
    port: Count = DEV_PORT  # only for the development link base below
    web_concurrency: Count = DEFAULT_WEB_CONCURRENCY  # gunicorn's workers (gunicorn.conf.py)
    secret_key: str = ""
    secret_key_fallbacks: CommaList = ()
    database_url: str = None  # SQLite in the instance folder
    db_pool_size: Count = 5
    db_max_overflow: Annotated[int, Field(ge=0)] = 5
    db_pool_timeout: Annotated[float, Field(ge=0.1)] = 5.0
    db_statement_timeout_ms: Annotated[int, Field(ge=0)] = 3000
    db_idle_in_tx_timeout_ms: Annotated[int, Field(ge=0)] = 5000
    redis_url: str = ""
    trusted_proxy_count: Annotated[int, Field(ge=0)] = 0
    cors_origins: CommaList = None  # none in production, any elsewhere
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""
    price_standard_cents: Annotated[int, Field(ge=50)] = 989
    price_certified_cents: Annotated[int, Field(ge=50)] = 1989
    appeal_currency: Annotated[str, AfterValidator(str.lower)] = "usd"
    deepseek_api_key: str = ""
    deepseek_base_url: str = "https://api.deepseek.com"
    deepseek_model: str = "deepseek-chat"
    deepseek_timeout_s: Annotated[float, Field(ge=0.1)] = 20.0
    ai_workers: Count = 4
    ai_queue_size: Count = 20
    ai_tokens_per_ip_per_day: Count = 1000
    email_backend: Annotated[Literal["console", "smtp"], BeforeValidator(_choice)] = "console"
    smtp_host: str = ""
    smtp_port: Count = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: Switch = True
    smtp_timeout_s: Annotated[float, Field(ge=0.1)] = 10.0
    mail_from: str = "Fight City Tickets <no-reply@fightcitytickets.com>"
    admin_alert_email: str = ""
    sentry_dsn: str = ""
    sentry_environment: str = None  # APP_ENV
    sentry_traces_sample_rate: Annotated[float, Field(ge=0.0)] = 0.0
    storage_backend: Annotated[Literal["local", "s3"], BeforeValidator(_choice)] = "local"
    upload_dir: str = None  # uploads/ in the instance folder
    aws_s3_bucket: str = ""
    aws_region: str = ""
    aws_endpoint_url: str = ""
    health_token: str = ""
    metrics_token: str = ""
    scheduler_mode: Annotated[Literal["embedded", "off"], BeforeValidator(_choice)] = None
    public_base_url: str = None  # the development server's address outside production
    trusted_hosts: CommaList = ()  # () lets any host through; production: PUBLIC_BASE_URL's
    mail_backend: Annotated[Literal["manual", "lob"], BeforeValidator(_choice)] = "manual"
    lob_api_key: str = ""
    lob_api_base: Annotated[str, AfterValidator(lambda url: url.rstrip("/"))] = "https://api.lob.com/v1"
    lob_webhook_secret: str = ""
    mail_safety_days: Annotated[int, Field(ge=0)] = 3
    support_email: str = "support@fightcitytickets.com"
    ocr_workers: Count = 2
    ocr_queue_size: Annotated[int, Field(ge=0)] = 4
    ocr_budget_s: Annotated[float, Field(ge=0.5)] = 8.0
    reminder_after_hours: Count = 24
    limits: Annotated[dict[str, RateLimit], NoDecode, BeforeValidator(_limits_from_env),
                      Field(validation_alias="RATELIMIT")] = DEFAULT_LIMITS
    breakers: Annotated[dict[str, tuple[Count, Count]], NoDecode, BeforeValidator(_breakers_from_env),
                        Field(validation_alias="BREAKER")] = DEFAULT_BREAKERS

    @field_validator("log_level", "database_url", "cors_origins", "sentry_environment", "upload_dir",
                     "scheduler_mode", mode="before")
    @classmethod
    def _default_from_earlier_settings(cls, value: Any, info: ValidationInfo) -> Any:
        """The defaults marked None above, which depend on APP_ENV or the instance folder."""
        app_env, instance = info.data.get("app_env"), Path(info.data.get("instance_path", "instance"))
        if info.field_name == "cors_origins":  # also when the list given is empty, as before
            return _comma_list(value or "") or (() if app_env == "production" else ("*",))
        return value if value is not None else {
            "log_level": "warning" if app_env == "test" else "info",
            "database_url": f"sqlite:///{instance / 'fightcitytickets.db'}",
            "sentry_environment": app_env or "",
            "upload_dir": str(instance / "uploads"),
            # production runs the jobs in their own process (`flask jobs run`)
            "scheduler_mode": "off" if app_env == "production" else "embedded",
        }[info.field_name]

    @field_validator("instance_path")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return str(Path(value).resolve())

    @field_validator("secret_key")
    @classmethod
    def _long_secret_key(cls, value: str, info: ValidationInfo) -> str:
        # An unset key is reported with the other production requirements.
        if value and _production(info) and len(value.encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_KEY_BYTES} bytes when APP_ENV=production "
                             "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return value

    @field_validator("secret_key_fallbacks")
    @classmethod
    def _long_fallbacks(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # A fallback verifies sessions and unsubscribe tokens just as the current key does,
        # so a short one would be as easy a way to forge them.
        if _production(info) and any(len(old.encode()) < MIN_SECRET_KEY_BYTES for old in value):
            raise ValueError(f"must each be at least {MIN_SECRET_KEY_BYTES} bytes when "
                             "APP_ENV=production")
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        """The scheme rewritten for SQLAlchemy (postgres:// -> postgresql+psycopg://)."""
        scheme, separator, rest = value.partition("://")
        driver = DATABASE_SCHEMES.get(scheme.lower())
        if not separator or driver is None:
            # At most the scheme is echoed: the rest of the URL may hold a password.
            given = f", got {scheme}://…" if separator and SCHEME.match(scheme) else ""
            raise ValueError("must be a postgres://, postgresql://, postgresql+psycopg:// or "
                             f"sqlite:/// URL{given}")
        try:
            make_url(f"{driver}://{rest}")
        except ArgumentError:
            raise ValueError("could not be read as a database URL") from None
        return f"{driver}://{rest}"

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _link_base(cls, value: Any, info: ValidationInfo) -> str:
        """The only base of absolute links; never taken from a request (see app.urls)."""
        production = _production(info)
        if value is None:
            if production:
                raise ValueError("must be set when APP_ENV=production (the address links in emails "
                                 "point to)")
            return f"http://127.0.0.1:{info.data.get('port', DEV_PORT)}"
        raw = value.strip()
        parts = urlsplit(raw)
        try:
            parts.port  # noqa: B018  (raises on a malformed port)
        except ValueError:
            parts = parts._replace(netloc="")
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
                or parts.fragment or "@" in parts.netloc):
            raise ValueError(f"must be an address like https://fightcitytickets.com, got {raw!r}")
        if production and parts.scheme != "https":
            raise ValueError("must start with https:// when APP_ENV=production: its links carry "
                             "the key to an appeal")
        return raw.rstrip("/")

    @field_validator("trusted_hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        hosts = tuple(host.lower() for host in value)
        for host in hosts:
            if not HOST_NAME.match(host):
                raise ValueError("must list host names like fightcitytickets.com or .fly.dev "
                                 f"(no scheme or port), got {host!r}")
        if not hosts and _production(info) and "public_base_url" in info.data:
            hosts = (urlsplit(info.data["public_base_url"]).hostname or "",)
        return hosts

    @model_validator(mode="after")
    def _settings_that_go_together(self) -> "Settings":
        if self.is_production:
            for required in PRODUCTION_REQUIRES:  # set means given: DATABASE_URL has a default
                if required.lower() not in self.model_fields_set:
                    raise ValueError(f"{required} must be set when APP_ENV=production")
        if bool(self.stripe_secret_key) != bool(self.stripe_webhook_secret):
            raise ValueError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together")
        if self.email_backend == "smtp" and not self.smtp_host:
            raise ValueError("SMTP_HOST must be set when EMAIL_BACKEND=smtp")
        if self.storage_backend == "s3" and not self.aws_s3_bucket:
            raise ValueError("AWS_S3_BUCKET must be set when STORAGE_BACKEND=s3")
        if self.mail_backend == "lob" and not self.lob_api_key:
            raise ValueError("LOB_API_KEY must be set when MAIL_BACKEND=lob")
        if self.mail_backend == "lob" and not self.lob_webhook_secret:
            raise ValueError("LOB_WEBHOOK_SECRET must be set when MAIL_BACKEND=lob "
                             "(tracking events are refused without it)")
        # Limits kept in one worker's memory are multiplied by the workers: the operator login
        # limit would let WEB_CONCURRENCY times more guesses through. Production needs Redis then.
        if self.is_production and self.web_concurrency > 1 and not self.redis_url:
            raise ValueError(f"REDIS_URL must be set when APP_ENV=production runs "
                             f"{self.web_concurrency} web workers (WEB_CONCURRENCY): rate limits "
                             "need one shared store; or set WEB_CONCURRENCY=1")
        return self

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
        unknown = set(overrides) - set(type(self).model_fields)
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        return self.model_copy(update=overrides)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        # Settings(...) takes its arguments only; the environment is read by from_env alone.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, instance_path: str | None = None,
                 default_instance: str = "instance") -> "Settings":
        """`instance_path` wins over INSTANCE_PATH, which wins over `default_instance`."""
        sources = (InitSettingsSource(cls, {"INSTANCE_PATH": instance_path} if instance_path else {}),
                   MappingSource(cls, os.environ if env is None else env),
                   InitSettingsSource(cls, {"INSTANCE_PATH": default_instance}))
        try:
            return cls(_build_sources=(sources, {}))
        except ValidationError as invalid:  # its text echoes every input, secrets included
            raise ConfigError(_message(invalid.errors()[0])) from None


class MappingSource(EnvSettingsSource):
    """The environment source over a given mapping instead of `os.environ`."""

    def __init__(self, settings_cls: type[BaseSettings], environment: Mapping[str, str]):
        self.environment = dict(environment)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:  # the one hook EnvSettingsSource offers
        return parse_env_vars(self.environment, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)

    def explode_env_vars(self, field_name: str, field: Any, env_vars: Mapping[str, str | None]) -> dict:
        # Only RATELIMIT_* and BREAKER_* are families; CORS_ORIGINS_X is no variable of ours.
        return super().explode_env_vars(field_name, field, env_vars) if field_name in FAMILIES else {}


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable a pydantic error location stands for."""
    head, *rest = loc
    field = Settings.model_fields.get(str(head))
    name = str(field.validation_alias or field.alias) if field else str(head)
    if name == "BREAKER" and len(rest) == 2:
        return f"BREAKER_{str(rest[0]).upper()}_{BREAKER_PARTS[int(rest[1])]}"
    return "_".join([name, *(str(part).upper() for part in rest[:1])])


def _message(error: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence naming the variable; a value is echoed only where it is
    a number, a switch or a choice (never a secret)."""
    kind, given, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if not error["loc"]:  # a rule across settings writes its own sentence
        return str(ctx.get("error", error["msg"]))
    if kind.startswith("int_"):
        text = f"must be a whole number, got {given!r}"
    elif kind.startswith("float_"):
        text = f"must be a number, got {given!r}"
    elif kind == "greater_than_equal":
        text = f"must be at least {ctx['ge']}, got {given}"
    elif kind == "literal_error":
        text = f"must be one of {ctx['expected']}, got {given!r}"
    elif kind == "value_error":
        text = str(ctx["error"])
    else:
        text = error["msg"].lower()
    return f"{_variable(error['loc'])} {text}"


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
