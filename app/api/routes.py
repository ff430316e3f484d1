"""The machine API: bearer-token clients such as the offline-conversion uploader.

JSON in, JSON out. Errors are JSON too: 400 {"error", "field"} for bad input,
401 with `WWW-Authenticate: Bearer` without a live token, 429 when rate limited.
The request and response schemas below are the validators and the documentation
(`/api/openapi.json`) at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

import fastjsonschema
from flask import Blueprint, Response, g, jsonify, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from app.api.schemas import ACK_REQUEST, CLAIM_REQUEST
from app.extensions import db, limiter
from app.models import ApiToken, OfflineConversion, Tenant
from app.tracking import offline

bp = Blueprint("api", __name__, url_prefix="/api")

RATE_LIMIT = "120/minute"
_validate_claim = fastjsonschema.compile(CLAIM_REQUEST)
_validate_ack = fastjsonschema.compile(ACK_REQUEST)


class BadInput(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _error(status: int, message: str, field: str | None = None, **extra: Any) -> Response:
    response = jsonify({"error": message, "field": field, **extra})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _unauthorized(message: str, invalid: bool) -> Response:
    response = _error(401, message)
    challenge = 'Bearer realm="kervan"'
    if invalid:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _body(validate: Callable[[Any], Any], schema: dict) -> dict:
    """The request's JSON object, validated; an empty body is an empty object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        data = request.get_json(force=True, silent=True)
        if data is None:
            raise BadInput("The body must be JSON.")
    if not isinstance(data, dict):
        raise BadInput("The body must be a JSON object.")
    try:
        validate(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        path = [p for p in exc.path[1:] if isinstance(p, str)]
        if path:
            field = path[0]
        elif exc.rule == "additionalProperties":
            field = next((k for k in data if k not in schema["properties"]), None)
            raise BadInput(f"Unknown field: {field}.", field) from exc
        elif exc.rule == "required":
            field = next((k for k in schema["required"] if k not in data), None)
            raise BadInput(f"Missing field: {field}.", field) from exc
        else:
            field = None
        message = exc.message.replace("data.", "", 1).replace("data ", "body ", 1)
        raise BadInput(message[:1].upper() + message[1:] + ".", field) from exc
    return data


def _rate_key() -> str:
    """Limit per token (each uploader its own budget), per address without one."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()[:24]
    return get_remote_address()


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return _unauthorized("Send an API token: Authorization: Bearer <token>.", invalid=False)
        token = offline.authenticate(credentials)
        if token is None:
            db.session.rollback()
            return _unauthorized("This API token is unknown or revoked.", invalid=True)
        if offline.TOKEN_SCOPE not in (token.scopes or []):
            return _error(403, "This API token may not use the offline conversion queue.")
        g.api_token = token
        g.api_tenant = db.session.get(Tenant, token.tenant_id)
        try:
            return view(*args, **kwargs)
        except BadInput as exc:
            db.session.rollback()
            return _error(400, exc.message, exc.field)

    return wrapper


def _default_owner(token: ApiToken) -> str:
    return f"token:{token.prefix}"


def job_json(row: OfflineConversion, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversion_name": row.conversion_name,
        "click_id_kind": row.click_id_kind,
        "click_id": row.click_id,
        "conversion_time": row.converted_at.astimezone(zone).isoformat(timespec="seconds"),
        "value": offline.value_text(row.value_minor),
        "currency": row.currency,
        "email_sha256": row.email_sha256,
        "phone_sha256": row.phone_sha256,
        "attempts": row.attempts,
    }


@bp.post("/offline-conversions/claim")
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
@token_required
def claim_conversions():
    body = _body(_validate_claim, CLAIM_REQUEST)
    token: ApiToken = g.api_token
    tenant: Tenant = g.api_tenant
    owner = body.get("owner") or _default_owner(token)
    if owner.startswith(offline.CSV_OWNER_PREFIX):
        raise BadInput("Owner names starting with 'csv:' are reserved.", "owner")
    limit, lease_seconds = int(body.get("limit", 100)), int(body.get("lease_seconds", 300))
    expires, rows = offline.claim(tenant, owner, limit, lease_seconds)
    zone = ZoneInfo(tenant.timezone)
    payload = {
        "lease_owner": owner,
        "lease_expires_at": expires.isoformat(),
        "jobs": [job_json(row, zone) for row in rows],
    }
    db.session.commit()
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/offline-conversions/ack")
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
@token_required
def acknowledge_conversions():
    body = _body(_validate_ack, ACK_REQUEST)
    token: ApiToken = g.api_token
    owner = body.get("owner") or _default_owner(token)
    ids = [int(i) for i in body["ids"]]
    result = offline.acknowledge(g.api_tenant, ids, owner, body["outcome"], body.get("error"))
    db.session.commit()
    payload = {
        "outcome": body["outcome"],
        "acknowledged": result.acknowledged,
        "exported": result.exported,
        "requeued": result.requeued,
        "failed": result.failed,
        "ignored_ids": result.ignored_ids,
    }
    if not result.acknowledged:
        return _error(409, "None of these jobs is leased to this owner.", "ids", **payload)
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi_document():
    from app.api import openapi

    return jsonify(openapi.document())


def http_error(exc: HTTPException):
    # Machine clients get JSON, never the HTML error pages (429 from the limiter included).
    if exc.code == 429:
        response = _error(429, f"Too many requests ({exc.description}). Slow down and retry.")
        response.headers["Retry-After"] = "60"
        return response
    return _error(exc.code or 500, exc.description or exc.name)


# By code as well: the app's own handlers for these codes would otherwise win over a class-based one.
for _code in (400, 403, 404, 405, 413, 415, 429, 500):
    bp.register_error_handler(_code, http_error)
bp.register_error_handler(HTTPException, http_error)
