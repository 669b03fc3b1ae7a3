"""Fight City Tickets: the application factory, the only place things are wired together."""
from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from app.config import Settings, development_secret_key
from app.extensions import db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Build the app from `settings` (default: the environment), with optional overrides."""
    if settings is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        settings = Settings.from_env(default_instance=str(PROJECT_ROOT / "instance"))
    if overrides:
        settings = settings.with_overrides(**overrides)
    if not settings.secret_key:
        settings = settings.with_overrides(secret_key=development_secret_key(settings.instance_path))

    app = Flask(__name__, instance_path=settings.instance_path,
                template_folder=str(PROJECT_ROOT / "templates"),
                static_folder=str(PROJECT_ROOT / "app" / "static"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.extensions["settings"] = settings
    app.config["APP_ENV"] = settings.app_env
    app.config["TESTING"] = settings.app_env == "test"

    configure_logging(app, settings)
    register_resilience(app, settings)
    register_extensions(app, settings)
    register_integrations(app, settings)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def configure_logging(app: Flask, settings: Settings) -> None:
    from app.observability import requests
    from app.observability.logging import configure_logging as configure_json_logs
    from app.observability.sentry import init_sentry

    configure_json_logs("WARNING" if settings.app_env == "test" else "INFO")
    init_sentry(settings)
    requests.init_app(app)


def register_resilience(app: Flask, settings: Settings) -> None:
    from app.resilience.breakers import BreakerRegistry
    from app.resilience.cache import TTLCache
    from app.resilience.shared_store import SharedStore
    import pybreaker

    fail_max, reset_s = settings.breakers["redis"]
    redis_breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_s, name="redis")
    store = SharedStore(settings.redis_url, redis_breaker)
    registry = BreakerRegistry(settings.breakers, store, redis_breaker=redis_breaker)
    app.extensions["shared_store"] = store
    app.extensions["breakers"] = registry
    app.extensions["caches"] = {}


def register_extensions(app: Flask, settings: Settings) -> None:
    from app import database, security
    from app.resilience import limits

    app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(settings)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    database.init_app(app)
    security.configure(app, settings)
    limits.init_app(app, settings.redis_url, app.extensions["breakers"]["redis"])


def register_integrations(app: Flask, settings: Settings) -> None:
    from app import integrations

    integrations.init_app(app, settings)


def register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.appeals.draft_routes import bp as drafts_bp
    from app.appeals.routes import bp as appeals_bp
    from app.cities.routes import bp as cities_bp
    from app.health.routes import bp as health_bp
    from app.unsubscribe.routes import bp as unsubscribe_bp
    from app.webhooks.routes import bp as webhooks_bp

    for blueprint in (health_bp, cities_bp, appeals_bp, drafts_bp, webhooks_bp, unsubscribe_bp,
                      admin_bp):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    from app.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
