"""Settings: the embedded default, production's required variables, clear messages."""
import pytest

from app.config import ConfigError, Settings

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "k" * 32, "DATABASE_URL": "postgresql://u@h/db",
              "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
              "STRIPE_WEBHOOK_SECRET": "whsec_x", "PUBLIC_BASE_URL": "https://fightcitytickets.test",
              "REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_embedded_default_needs_no_variables(tmp_path):
    settings = Settings.from_env({}, instance_path=str(tmp_path))
    assert settings.app_env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'fightcitytickets.db'}"
    assert settings.redis_url == ""
    assert settings.email_backend == "console"
    assert settings.demo_payments and not settings.ai_enabled
    assert settings.scheduler_mode == "embedded"
    assert settings.cors_origins == ("*",)
    assert settings.limits["upload"] == "10/hour"
    assert settings.breakers["stripe"] == (3, 30)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY",
                                     "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET",
                                     "PUBLIC_BASE_URL"])
def test_production_refuses_to_start_without_required_variable(missing, tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        Settings.from_env(env, instance_path=str(tmp_path))


def test_production_defaults_are_strict(tmp_path):
    settings = Settings.from_env(PRODUCTION, instance_path=str(tmp_path))
    assert settings.cors_origins == ()
    assert settings.scheduler_mode == "off"
    assert not settings.demo_payments
    assert settings.database_url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize("name,value", [
    ("DB_POOL_SIZE", "many"), ("AI_WORKERS", "0"), ("DEEPSEEK_TIMEOUT_S", "soon"),
    ("SMTP_STARTTLS", "perhaps"), ("EMAIL_BACKEND", "pigeon"), ("RATELIMIT_UPLOAD", "lots"),
    ("BREAKER_STRIPE_FAIL_MAX", "-1"), ("APP_ENV", "staging"),
])
def test_bad_value_names_the_variable(name, value, tmp_path):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, instance_path=str(tmp_path))


def test_overrides_for_limits_and_breakers(tmp_path):
    settings = Settings.from_env({"RATELIMIT_UPLOAD": "3/minute", "BREAKER_DEEPSEEK_FAIL_MAX": "2",
                                  "BREAKER_DEEPSEEK_RESET_S": "7"}, instance_path=str(tmp_path))
    assert settings.limits["upload"] == "3/minute"
    assert settings.breakers["deepseek"] == (2, 7)


def test_smtp_backend_requires_a_host(tmp_path):
    with pytest.raises(ConfigError, match="SMTP_HOST"):
        Settings.from_env({"EMAIL_BACKEND": "smtp"}, instance_path=str(tmp_path))


def test_create_app_refuses_bad_configuration_with_the_variable_name(tmp_path, monkeypatch):
    from app import create_app

    with pytest.raises(ConfigError, match="DB_POOL_TIMEOUT"):
        create_app(Settings.from_env({"DB_POOL_TIMEOUT": "x"}, instance_path=str(tmp_path)))
