"""Placeholder: being written."""

from flask import Blueprint

bp = Blueprint("offline_conversions", __name__, url_prefix="/conversions")


@bp.get("/")
def index():
    return "", 204
