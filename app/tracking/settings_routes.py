"""Placeholder: being written."""

from flask import Blueprint

bp = Blueprint("tracking_settings", __name__, url_prefix="/settings/tracking")


@bp.get("/")
def index():
    return "", 204
