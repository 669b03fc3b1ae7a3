"""Fight City Tickets: the application factory, the only place things are wired together."""
from __future__ import annotations

import os
from pathlib import Path

import pybreaker
from dotenv import load_dotenv
from flask import Flask

from app import cli, database, errors, integrations, security
from app.admin.routes import bp as admin_bp
from app.drafting.routes import bp as drafts_bp
from app.appeals.routes import bp as appeals_bp
from app.cities.routes import bp as cities_bp
from app.config import Settings, development_secret_key
from app.email.operator_alerts import email_operator
from app.extensions import db, migrate
from app.fulfilment.routes import bp as fulfilment_bp
from app.health.routes import bp as health_bp
from app.observability import alerts, requests as request_tracking
from app.observability.logging import configure_logging as configure_json_logs
from app.observability.sentry import init_sentry
from app.resilience import limits
from app.resilience.breakers import BreakerRegistry
from app.resilience.shared_store import SharedStore
from app.unsubscribe.routes import bp as unsubscribe_bp
from app.webhooks.routes import bp as webhooks_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = (health_bp, cities_bp, appeals_bp, drafts_bp, fulfilment_bp, webhooks_bp, unsubscribe_bp,
              admin_bp)


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
    # Every page and every email names where to ask for help.
    app.jinja_env.globals["support_email"] = settings.support_email

    configure_logging(app, settings)
    register_resilience(app, settings)
    register_extensions(app, settings)
    integrations.init_app(app, settings)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register_error_handlers(app)
    cli.register(app)
    return app


def configure_logging(app: Flask, settings: Settings) -> None:
    configure_json_logs(settings.log_level.upper())
    init_sentry(settings)
    request_tracking.init_app(app)
    alerts.register_sink(app, email_operator)


def register_resilience(app: Flask, settings: Settings) -> None:
    """Breakers (state in Redis when configured) and the registry of in-process caches."""
    fail_max, reset_s = settings.breakers["redis"]
    # The redis breaker guards the shared store itself, so it always lives in memory.
    redis_breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_s, name="redis")
    store = SharedStore(settings.redis_url, redis_breaker)
    app.extensions["shared_store"] = store
    app.extensions["breakers"] = BreakerRegistry(settings.breakers, store, redis_breaker)
    app.extensions["caches"] = {}


def register_extensions(app: Flask, settings: Settings) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(settings)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    database.init_app(app)
    security.configure(app, settings)
    limits.init_app(app, settings.redis_url, app.extensions["breakers"]["redis"])
