"""The offline conversion queue for managers (/conversions): what waits for
Google Ads, CSV batches to download and settle, and (for the owner) the API
tokens an automatic uploader uses. Rules live in app/tracking/offline.py."""

from __future__ import annotations

import re
from math import ceil

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.auth.permissions import can, require_action
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import ApiToken
from app.models.base import utcnow
from app.tracking import offline
from app.tracking.oci_export import Conversion, GoogleAdsCsv

bp = Blueprint("offline_conversions", __name__, url_prefix="/conversions")

PER_PAGE = 50
BATCH_ID = re.compile(r"^[0-9]{8}-[0-9]{4}-[0-9a-f]{6}$")
STATUS_LABELS = {
    "queued": _l("Queued"),
    "leased": _l("Reserved"),
    "exported": _l("Exported"),
    "failed": _l("Failed"),
}
ACTION_LABELS = {"won": _l("Won deal"), "sale": _l("Confirmed sale")}


NAME_FORM_PREFIX = "conversion"  # its field must not share the id "name" with the token form on the same page


class ConversionNameForm(FlaskForm):
    name = StringField(
        _l("Conversion action in Google Ads"),
        validators=[DataRequired(_l("Enter the conversion action's name exactly as it is in Google Ads.")),
                    Length(max=100)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )  # fmt: skip


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
        render_kw={"placeholder": _l("e.g. Google Ads uploader"), "autocomplete": "off"},
    )


def _status() -> str:
    status = request.args.get("status", "queued")
    return status if status in offline.STATUSES else "queued"


def _queue_context(status: str, page: int) -> dict:
    tenant = current_tenant()
    now = utcnow()
    counts = offline.counts(tenant, now)
    pages = max(1, ceil(counts[status] / PER_PAGE))
    page = min(max(1, page), pages)
    return {
        "status": status,
        "page": page,
        "pages": pages,
        "counts": counts,
        "rows": offline.listing(tenant, status, page, PER_PAGE, now),
        "now": now,
        "statuses": STATUS_LABELS,
        "actions": ACTION_LABELS,
        "csv_prefix": offline.CSV_OWNER_PREFIX,
    }


def _batches_context() -> dict:
    return {"batches": offline.open_batches(current_tenant())}


def _tokens_context(form: TokenForm | None = None, new_token: str | None = None) -> dict:
    tenant = current_tenant()
    return {
        "tokens": offline.tokens(tenant) if can("api_tokens.manage") else [],
        "token_form": form or TokenForm(),
        "new_token": new_token,
    }


def _page(status: int = 200, **overrides) -> Response:
    tenant = current_tenant()
    context = {
        **_queue_context(_status(), request.args.get("page", 1, type=int)),
        **_batches_context(),
        **_tokens_context(),
        "conversion_name": offline.conversion_name_for(tenant, "won"),
        "name_form": ConversionNameForm(prefix=NAME_FORM_PREFIX, name=offline.conversion_name_for(tenant, "won")),
        **overrides,
    }
    return make_response(render_template("conversions/index.html", **context), status)


@bp.get("")
@require_action("conversions.export")
def index():
    if htmx.is_partial():
        context = _queue_context(_status(), request.args.get("page", 1, type=int))
        return render_template("conversions/_queue.html", **context)
    return _page()


@bp.post("/name")
@require_action("tracking.manage")
def set_conversion_name():
    tenant = current_tenant()
    form = ConversionNameForm(prefix=NAME_FORM_PREFIX)
    if form.validate_on_submit():
        try:
            renamed = offline.set_conversion_name(tenant, "won", form.name.data, current_user)
        except offline.QueueError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Saved. %(num)s queued conversion now uses the new name.",
                    "Saved. %(num)s queued conversions now use the new name.",
                    renamed,
                )
                if renamed
                else _("Saved."),
                "success",
            )
            return redirect(url_for("offline_conversions.index"))
    return _page(status=422, name_form=form)


@bp.get("/_batches")
@require_action("conversions.export")
def batches():
    return render_template("conversions/_batches.html", **_batches_context())


def _csv(body: bytes, batch_id: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=f"kervan-conversions-{batch_id}.csv")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/export")
@require_action("conversions.export")
def export_csv():
    """Reserve everything waiting for a new batch and download it as the Google Ads file."""
    tenant = current_tenant()
    batch_id, rows = offline.reserve_for_csv(tenant, current_user)
    if not rows:
        db.session.rollback()
        flash(_("Nothing is waiting to be exported."), "info")
        return redirect(url_for(".index"), 303)
    body = GoogleAdsCsv().render([Conversion.of(row) for row in rows], tenant.timezone)
    db.session.commit()
    return _csv(body, batch_id)


def _batch_id(batch_id: str) -> str:
    if not BATCH_ID.match(batch_id):
        abort(404)
    return batch_id


@bp.get("/batches/<batch_id>.csv")
@require_action("conversions.export")
def download_batch(batch_id: str):
    """The same file again (a lost download): reading an open batch changes nothing."""
    tenant = current_tenant()
    rows = offline.batch_rows(tenant, _batch_id(batch_id))
    if not rows:
        abort(404)
    return _csv(GoogleAdsCsv().render([Conversion.of(row) for row in rows], tenant.timezone), batch_id)


@bp.post("/batches/<batch_id>/exported")
@require_action("conversions.export")
def mark_batch_exported(batch_id: str):
    count = offline.mark_exported(current_tenant(), _batch_id(batch_id), current_user)
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)s conversion is marked as uploaded to Google Ads.",
                "%(num)s conversions are marked as uploaded to Google Ads.",
                count,
            ),
            "success",
        )
    else:
        flash(_("This batch has nothing left to mark: it was settled or taken back into the queue."), "info")
    return redirect(url_for(".index", status="exported"), 303)


@bp.post("/batches/<batch_id>/release")
@require_action("conversions.export")
def release_batch(batch_id: str):
    count = offline.release(current_tenant(), _batch_id(batch_id))
    db.session.commit()
    flash(
        ngettext(
            "%(num)s conversion is back in the queue.",
            "%(num)s conversions are back in the queue.",
            count,
        ),
        "info",
    )
    return redirect(url_for(".index"), 303)


def _tokens_response(form: TokenForm | None = None, new_token: str | None = None, status: int = 200) -> Response:
    if htmx.is_partial():
        response = make_response(
            render_template("conversions/_tokens.html", **_tokens_context(form, new_token)), status
        )
    else:
        response = _page(status, **_tokens_context(form, new_token))
    if new_token:
        response.headers["Cache-Control"] = "no-store"  # the plaintext is shown once, never cached
    return response


@bp.post("/tokens")
@require_action("api_tokens.manage")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_response(form, status=422)
    plaintext, _token = offline.create_token(current_tenant(), current_user, form.name.data)
    db.session.commit()
    return _tokens_response(TokenForm(formdata=None), new_token=plaintext)


@bp.post("/tokens/<int:token_id>/revoke")
@require_action("api_tokens.manage")
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if offline.revoke_token(token, current_user):
        db.session.commit()
    if htmx.is_partial():
        return _tokens_response()
    flash(_("The token %(name)s is revoked: the uploader using it is locked out.", name=token.name), "success")
    return redirect(url_for(".index"), 303)
