from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.permissions import require_action
from app.customers import services as customers
from app.customers.filters import CustomerFilter
from app.customers.views import filter_choices
from app.extensions import db
from app.lib import htmx
from app.lib.formatting import money
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Customer, PipelineStage
from app.pipeline import services
from app.pipeline.views import card_labels

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")


def _cursor(raw: str | None) -> tuple[float, int] | None:
    try:
        position, ident = (raw or "").split(":")
        return float(position), int(ident)
    except ValueError:
        return None


@bp.get("")
@require_action("customers.view")
def board():
    tenant = current_tenant()
    filters = CustomerFilter.from_args(request.args)
    columns = services.board(tenant, filters)
    context = {
        "columns": columns,
        "filters": filters,
        "choices": filter_choices(tenant),
        "stages": [c.stage for c in columns],
        "L": card_labels(),
    }
    if htmx.is_partial():
        return render_template("pipeline/_board.html", **context)
    return render_template("pipeline/board.html", **context)


@bp.get("/columns/<int:stage_id>")
@require_action("customers.view")
def column_page(stage_id: int):
    tenant = current_tenant()
    stage = get_or_404(PipelineStage, stage_id)
    filters = CustomerFilter.from_args(request.args)
    cards, more = services.cards(tenant.id, stage.id, filters, after=_cursor(request.args.get("after")))
    return render_template(
        "pipeline/_cards.html", cards=cards, more=more, stage=stage, filters=filters, L=card_labels()
    )


@bp.get("/cards/<int:customer_id>")
@require_action("customers.view")
def card(customer_id: int):
    """One card as the board shows it; 204 when it left the board or the filters."""
    customer = get_or_404(Customer, customer_id)
    if not services.is_on_board(current_tenant().id, customer.id, CustomerFilter.from_args(request.args)):
        return "", 204
    return render_template("pipeline/_card.html", c=customer, L=card_labels())


@bp.get("/summary")
@require_action("customers.view")
def summary():
    tenant = current_tenant()
    counts = services.summary(tenant.id, CustomerFilter.from_args(request.args))
    result = {}
    for stage in services.stages(tenant.id):
        count, total = counts.get(stage.id, (0, 0))
        result[str(stage.id)] = {"count": count, "total": money(total, tenant.currency)}
    return jsonify(result)


@bp.post("/cards/<int:customer_id>/move")
@require_action("pipeline.move")
def move(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    stage_id = request.form.get("stage_id", type=int)
    if stage_id is None:
        abort(400)
    try:
        services.move(
            customer,
            current_user,
            stage_id,
            above_id=request.form.get("above_id", type=int),
            below_id=request.form.get("below_id", type=int),
        )
        db.session.commit()
    except customers.CustomerError as exc:
        db.session.rollback()
        return jsonify({"error": str(exc)}), 409
    return render_template("pipeline/_card.html", c=customer, L=card_labels())


@bp.post("/bulk-move")
@require_action("pipeline.bulk_move")
def bulk_move():
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    stage_id = request.form.get("stage_id", type=int)
    if not ids or stage_id is None:
        return jsonify({"error": _("Select cards and a stage.")}), 400
    get_or_404(PipelineStage, stage_id)
    try:
        moved = services.bulk_move(current_tenant(), current_user, ids, stage_id)
        db.session.commit()
    except customers.CustomerError as exc:
        db.session.rollback()
        return jsonify({"error": str(exc)}), 409
    return jsonify({"moved": moved})
