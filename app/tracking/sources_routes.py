"""Placeholder: being written."""

from flask import Blueprint

bp = Blueprint("sources", __name__, url_prefix="/sources")


@bp.get("/")
def index():
    return "", 204
