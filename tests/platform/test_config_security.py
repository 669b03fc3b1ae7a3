"""Settings that protect production: key length, the public address, trusted hosts, the
database URL forms hosting providers attach, and shared limits under several workers."""
import pytest

from app.config import ConfigError, Settings
from tests.conftest import make_settings
from tests.platform.test_config import PRODUCTION


def production(tmp_path, **changes) -> Settings:
    env = {**PRODUCTION, **changes}
    return Settings.from_env({k: v for k, v in env.items() if v is not None},
                             instance_path=str(tmp_path))


@pytest.mark.parametrize("key", ["k" * 31, "short", "é" * 15])  # 31, 5 and 30 bytes
def test_production_refuses_a_secret_key_under_32_bytes(key, tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32 bytes"):
        production(tmp_path, SECRET_KEY=key)


def test_production_takes_a_32_byte_key_and_measures_bytes_not_characters(tmp_path):
    assert production(tmp_path, SECRET_KEY="k" * 32).secret_key == "k" * 32
    assert production(tmp_path, SECRET_KEY="é" * 16).secret_key == "é" * 16  # 32 bytes


def test_production_refuses_a_short_fallback_key(tmp_path):
    # A fallback verifies sessions and unsubscribe tokens as the current key does.
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS"):
        production(tmp_path, SECRET_KEY_FALLBACKS=f"{'o' * 40},old-key")
    settings = production(tmp_path, SECRET_KEY_FALLBACKS=f"{'o' * 40}, {'p' * 32}")
    assert settings.secret_key_fallbacks == ("o" * 40, "p" * 32)


def test_short_keys_are_fine_outside_production(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": "dev", "SECRET_KEY_FALLBACKS": "old"},
                                 instance_path=str(tmp_path))
    assert settings.secret_key == "dev" and settings.secret_key_fallbacks == ("old",)


@pytest.mark.parametrize("given,expected", [
    ("postgres://u:p%40ss@db.internal:5432/fct", "postgresql+psycopg://u:p%40ss@db.internal:5432/fct"),
    ("postgresql://u@db.internal/fct?sslmode=require",
     "postgresql+psycopg://u@db.internal/fct?sslmode=require"),
    ("postgresql+psycopg://u@db.internal/fct", "postgresql+psycopg://u@db.internal/fct"),
    ("sqlite:////var/lib/fct/app.db", "sqlite:////var/lib/fct/app.db"),
])
@pytest.mark.parametrize("app_env", ["production", "development"])
def test_database_url_forms_are_accepted_and_rewritten_for_psycopg(given, expected, app_env, tmp_path):
    settings = production(tmp_path, APP_ENV=app_env, DATABASE_URL=given)
    assert settings.database_url == expected


@pytest.mark.parametrize("bad", ["mysql://u:hunter2@db/fct", "postgresql+psycopg2://u:hunter2@db/fct",
                                 "db.internal:5432/fct", "postgres:/u:hunter2@db/fct"])
def test_other_database_urls_name_the_variable_without_echoing_a_password(bad, tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL") as refused:
        production(tmp_path, DATABASE_URL=bad)
    assert "hunter2" not in str(refused.value)


@pytest.mark.postgres
def test_the_app_starts_and_answers_on_a_postgres_url(app_factory, database_url):
    """What Fly and Heroku attach: postgres://, which used to stop the app at start-up."""
    attached = "postgres://" + database_url.split("://", 1)[1]
    app = app_factory(DATABASE_URL=attached)
    assert app.extensions["settings"].database_url == database_url
    assert app.test_client().get("/health/ready").status_code == 200


@pytest.mark.parametrize("bad", ["fightcitytickets.com", "ftp://fightcitytickets.com",
                                 "https://fightcitytickets.com/?next=x", "https://u@fightcitytickets.com",
                                 "https://fightcitytickets.com:99999", "https://"])
def test_public_base_url_must_be_an_address(bad, tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        production(tmp_path, PUBLIC_BASE_URL=bad)


def test_production_links_must_be_https(tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must start with https://"):
        production(tmp_path, PUBLIC_BASE_URL="http://fightcitytickets.test")
    assert production(tmp_path, PUBLIC_BASE_URL="https://fightcitytickets.test/").public_base_url \
        == "https://fightcitytickets.test"


def test_without_public_base_url_development_links_point_at_the_dev_server(tmp_path):
    assert Settings.from_env({}, instance_path=str(tmp_path)).public_base_url == "http://127.0.0.1:5000"
    assert Settings.from_env({"PORT": "8001"}, instance_path=str(tmp_path)).public_base_url \
        == "http://127.0.0.1:8001"


def test_trusted_hosts_defaults(tmp_path):
    assert Settings.from_env({}, instance_path=str(tmp_path)).trusted_hosts == ()  # any
    assert production(tmp_path).trusted_hosts == ("fightcitytickets.test",)
    explicit = production(tmp_path, TRUSTED_HOSTS="FightCityTickets.test, .fly.dev")
    assert explicit.trusted_hosts == ("fightcitytickets.test", ".fly.dev")


@pytest.mark.parametrize("bad", ["https://fightcitytickets.test", "fightcitytickets.test:443",
                                 "fight city", "*"])
def test_trusted_hosts_must_be_host_names(bad, tmp_path):
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        production(tmp_path, TRUSTED_HOSTS=bad)


@pytest.mark.parametrize("workers", [None, "2", "8"])  # unset: gunicorn.conf.py runs 2
def test_production_refuses_several_workers_without_redis(workers, tmp_path):
    with pytest.raises(ConfigError, match="REDIS_URL must be set") as refused:
        production(tmp_path, REDIS_URL=None, WEB_CONCURRENCY=workers)
    assert "WEB_CONCURRENCY" in str(refused.value)


def test_one_worker_or_a_shared_store_is_accepted(tmp_path):
    assert production(tmp_path, REDIS_URL=None, WEB_CONCURRENCY="1").redis_url == ""
    assert production(tmp_path, WEB_CONCURRENCY="4").redis_url
    development = make_settings(tmp_path, WEB_CONCURRENCY="4")  # in-process limits are fine there
    assert development.redis_url == ""
