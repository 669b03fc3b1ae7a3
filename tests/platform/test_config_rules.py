"""Settings: each default written once, every kind of bad value named, the rules across
settings, and the environment read only from the mapping given."""
import traceback

import pytest

from app.config import ConfigError, Settings
from tests.platform.test_config import PRODUCTION


def read(tmp_path, **env) -> Settings:
    return Settings.from_env(env, instance_path=str(tmp_path))


@pytest.mark.parametrize("app_env", ["development", "test"])
def test_each_default_is_the_fields_own(app_env, tmp_path):
    """from_env adds no default of its own: with nothing set it equals the bare class."""
    bare = Settings(APP_ENV=app_env, INSTANCE_PATH=str(tmp_path))
    assert read(tmp_path, APP_ENV=app_env).model_dump() == bare.model_dump()
    assert bare.log_level == ("warning" if app_env == "test" else "info")
    assert bare.upload_dir == str(tmp_path / "uploads")
    assert bare.sentry_environment == app_env
    assert bare.breakers["mail"] == (3, 60) and bare.limits["public"] == "100/minute"


@pytest.mark.parametrize("name,value,message", [
    ("DB_POOL_SIZE", "x", "DB_POOL_SIZE must be a whole number, got 'x'"),
    ("SMTP_PORT", "0", "SMTP_PORT must be at least 1, got 0"),
    ("DB_POOL_TIMEOUT", "later", "DB_POOL_TIMEOUT must be a number, got 'later'"),
    ("OCR_BUDGET_S", "0.1", "OCR_BUDGET_S must be at least 0.5, got 0.1"),
    ("SMTP_STARTTLS", "t", "SMTP_STARTTLS must be true or false, got 't'"),
    ("STORAGE_BACKEND", "ftp", "STORAGE_BACKEND must be one of 'local' or 's3', got 'ftp'"),
    ("MAIL_BACKEND", "Pigeon", "MAIL_BACKEND must be one of 'manual' or 'lob', got 'pigeon'"),
    ("RATELIMIT_AI_REFINE", "often", "RATELIMIT_AI_REFINE is not a rate limit like '10/minute': 'often'"),
    ("BREAKER_MAIL_RESET_S", "soon", "BREAKER_MAIL_RESET_S must be a whole number, got 'soon'"),
    ("BREAKER_OCR_FAIL_MAX", "0", "BREAKER_OCR_FAIL_MAX must be at least 1, got 0"),
    ("WEB_CONCURRENCY", "none", "WEB_CONCURRENCY must be a whole number, got 'none'"),
])
def test_a_bad_value_of_each_kind_is_named_in_a_plain_sentence(name, value, message, tmp_path):
    with pytest.raises(ConfigError) as refused:
        read(tmp_path, **{name: value})
    assert str(refused.value) == message
    # pydantic's own report (which echoes every input) is neither the message nor chained
    shown = "".join(traceback.format_exception(refused.value))
    assert "validation error" not in shown and "input_value" not in shown


def test_an_empty_value_means_unset(tmp_path):
    settings = read(tmp_path, DB_POOL_SIZE="", LOG_LEVEL="", APP_ENV="", DEEPSEEK_BASE_URL="",
                    RATELIMIT_UPLOAD="", BREAKER_STRIPE_FAIL_MAX="", SMTP_STARTTLS="")
    assert (settings.db_pool_size, settings.log_level, settings.app_env) == (5, "info", "development")
    assert settings.deepseek_base_url == "https://api.deepseek.com" and settings.smtp_starttls
    assert settings.limits["upload"] == "10/hour" and settings.breakers["stripe"] == (3, 30)


def test_values_are_normalised_as_documented(tmp_path):
    settings = read(tmp_path, APP_ENV=" Test ", APPEAL_CURRENCY="USD", LOB_API_BASE="http://lob.test/v1/",
                    SMTP_STARTTLS="Off", CORS_ORIGINS=" https://a.test, ,https://b.test ")
    assert settings.app_env == "test" and settings.appeal_currency == "usd"
    assert settings.lob_api_base == "http://lob.test/v1" and settings.smtp_starttls is False
    assert settings.cors_origins == ("https://a.test", "https://b.test")


@pytest.mark.parametrize("env,named", [
    ({"STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"),
    ({"STRIPE_WEBHOOK_SECRET": "whsec_x"}, "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"),
    ({"STORAGE_BACKEND": "s3"}, "AWS_S3_BUCKET must be set when STORAGE_BACKEND=s3"),
    ({"MAIL_BACKEND": "lob", "LOB_WEBHOOK_SECRET": "w"}, "LOB_API_KEY must be set when MAIL_BACKEND=lob"),
    ({"MAIL_BACKEND": "lob", "LOB_API_KEY": "test_k"}, "LOB_WEBHOOK_SECRET must be set when MAIL_BACKEND=lob"),
])
def test_settings_that_only_work_together(env, named, tmp_path):
    with pytest.raises(ConfigError, match=named):
        read(tmp_path, **env)


def test_settings_that_work_together_are_accepted(tmp_path):
    settings = read(tmp_path, MAIL_BACKEND="lob", LOB_API_KEY="test_k", LOB_WEBHOOK_SECRET="w",
                    STORAGE_BACKEND="s3", AWS_S3_BUCKET="b", STRIPE_SECRET_KEY="sk_test_x",
                    STRIPE_WEBHOOK_SECRET="whsec_x")
    assert (settings.mail_backend, settings.storage_backend, settings.demo_payments) == ("lob", "s3", False)


def test_a_mapping_is_the_only_source(tmp_path, monkeypatch):
    """Neither the process environment nor a `.env` in the working folder leaks into a
    mapping; only exact upper-case names are variables."""
    monkeypatch.setenv("DB_POOL_SIZE", "41")
    (tmp_path / ".env").write_text("DB_POOL_SIZE=42\nSMTP_PORT=2525\n")
    monkeypatch.chdir(tmp_path)
    settings = read(tmp_path, db_pool_size="x", CORS_ORIGINS_EXTRA="y", RATELIMIT="x")
    assert (settings.db_pool_size, settings.smtp_port) == (5, 587)
    assert Settings.from_env(instance_path=str(tmp_path)).db_pool_size == 41  # no mapping: the process's


def test_instance_folder_precedence(tmp_path):
    given, variable, fallback = (str(tmp_path / name) for name in ("given", "variable", "fallback"))
    assert Settings.from_env({"INSTANCE_PATH": variable}, instance_path=given).instance_path == given
    assert Settings.from_env({"INSTANCE_PATH": variable}, default_instance=fallback).instance_path == variable
    settings = Settings.from_env({}, default_instance=fallback)
    assert settings.instance_path == fallback
    assert settings.database_url == f"sqlite:///{fallback}/fightcitytickets.db"


def test_settings_are_immutable_and_overrides_are_checked(tmp_path):
    settings = read(tmp_path)
    with pytest.raises((AttributeError, ValueError)):  # frozen
        settings.secret_key = "changed"  # type: ignore[misc]
    assert settings.secret_key == ""
    changed = settings.with_overrides(secret_key="other", db_pool_size=9)
    assert (changed.secret_key, changed.db_pool_size, settings.secret_key) == ("other", 9, "")
    with pytest.raises(ConfigError, match="unknown settings: db_pool"):
        settings.with_overrides(db_pool=9)


def test_production_fills_its_own_defaults(tmp_path):
    settings = Settings.from_env(PRODUCTION, instance_path=str(tmp_path))
    assert settings.sentry_environment == "production" and settings.log_level == "info"
    assert settings.trusted_hosts == ("fightcitytickets.test",)
