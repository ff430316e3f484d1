"""Kervan application factory. No side effects here: no migrations, no network."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as config_module
from app.extensions import babel, csrf, db, install_engine_hooks, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), instance_relative_config=True)
    app.config.update(config_module.from_environment(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
        if "DATABASE_URL" in overrides:
            app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_uri(
                overrides["DATABASE_URL"], Path(app.instance_path)
            )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)
    from app.tracking import shortcut

    shortcut.install(app)
    _register_request_hooks(app)
    _register_template_helpers(app)
    _register_error_pages(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import (
        events,
        models,  # noqa: F401  (one metadata for Alembic)
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to open this page.")

    from app.auth.services import load_user

    login_manager.user_loader(load_user)
    events.install()
    install_engine_hooks()
    import jobs  # noqa: F401  (registers event subscribers)


def _register_blueprints(app: Flask) -> None:
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.booking.public import bp as public_booking_bp
    from app.booking.routes import bp as booking_bp
    from app.booking.settings_routes import bp as booking_settings_bp
    from app.customers.routes import bp as customers_bp
    from app.imports.routes import bp as imports_bp
    from app.pipeline.routes import bp as pipeline_bp
    from app.realtime.routes import bp as realtime_bp
    from app.reminders.routes import bp as reminders_bp
    from app.settings.routes import bp as settings_bp
    from app.shell.routes import bp as shell_bp
    from app.team.routes import bp as team_bp
    from app.tracking.offline_routes import bp as offline_conversions_bp
    from app.tracking.routes import bp as tracking_bp
    from app.tracking.settings_routes import bp as tracking_settings_bp
    from app.tracking.sources_routes import bp as sources_bp

    for bp in (
        auth_bp,
        shell_bp,
        team_bp,
        settings_bp,
        realtime_bp,
        pipeline_bp,
        customers_bp,
        reminders_bp,
        imports_bp,
        booking_bp,
        booking_settings_bp,
        public_booking_bp,
        tracking_bp,
        tracking_settings_bp,
        sources_bp,
        offline_conversions_bp,
        api_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt("app.shell.routes.healthz")
    # Machine-to-machine endpoints authenticate by site key, signature or bearer token, not cookies.
    csrf.exempt(tracking_bp)
    csrf.exempt(api_bp)


def _register_request_hooks(app: Flask) -> None:
    from app.lib import htmx
    from app.lib.tenancy import resolve_current_tenant

    app.before_request(resolve_current_tenant)
    app.after_request(htmx.add_vary)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response


def _select_locale() -> str | None:
    from flask import has_request_context

    if not has_request_context():
        return None  # jobs and the CLI choose with force_locale(); else the default (Turkish)
    if g.get("public_locale"):
        return g.public_locale  # the public booking pages: the visitor's language (app/booking/public.py)
    supported = ("tr", "en")
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get("lang") in supported:
        return session["lang"]
    tenant = g.get("tenant")
    if tenant is not None and tenant.locale in supported:
        return tenant.locale
    return request.accept_languages.best_match(supported) or "tr"


def _select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "Europe/Istanbul"


def _register_template_helpers(app: Flask) -> None:
    from app import events
    from app.auth.permissions import can
    from app.lib import formatting
    from app.tenancy.sectors import term

    formatting.register(app)
    from app.tracking import classes

    classes.register(app)

    @app.context_processor
    def shell_context() -> dict[str, Any]:
        tenant = g.get("tenant")

        def t(key: str) -> str:
            if tenant is None:
                return term("generic", None, key, str(get_locale()))
            return term(tenant.sector, tenant.terms, key, str(get_locale()))

        theme = (current_user.theme or "system") if current_user.is_authenticated else session.get("theme", "system")
        return {
            "tenant": tenant,
            "membership": g.get("membership"),
            "memberships": g.get("memberships", []),
            "can": can,
            "term": t,
            "theme": theme,
            "locale": str(get_locale()),
            "live_types": events.LIVE_TYPES,
        }


def _register_error_pages(app: Flask) -> None:
    from app.lib import htmx

    def page(code: int, template: str):
        def handler(error):
            if htmx.is_partial():
                return render_template("errors/_message.html", code=code), code
            return render_template(template, code=code), code

        return handler

    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, page(code, "errors/error.html"))

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, page(400, "errors/error.html"))
