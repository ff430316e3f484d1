"""The customer list, creation with de-duplication, and bulk actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from app.auth.permissions import can, require_action
from app.customers import services
from app.customers.filters import CustomerFilter
from app.customers.forms import CustomerForm, split_tags, to_minor
from app.customers.views import filter_choices, members
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant
from app.models import Customer, PipelineStage
from app.pipeline import services as pipeline

bp = Blueprint("customers", __name__, url_prefix="/customers")

PER_PAGE = 50
SORTS = {
    "name": (Customer.name,),
    "-name": (Customer.name.desc(),),
    "created": (Customer.created_at,),
    "-created": (Customer.created_at.desc(),),
    "value": (Customer.value_minor,),
    "-value": (Customer.value_minor.desc(),),
    "score": (Customer.lead_score,),
    "-score": (Customer.lead_score.desc(),),
    "stage": (PipelineStage.position, Customer.position),
    "-stage": (PipelineStage.position.desc(), Customer.position),
}


def _page_of_customers(filters: CustomerFilter, sort: str, page: int):
    tenant = current_tenant()
    base = filters.apply(pipeline.live_customers(tenant.id))
    total = db.session.scalar(base.with_only_columns(func.count()).order_by(None))
    stmt = (
        base.join(PipelineStage, PipelineStage.id == Customer.stage_id)
        .options(joinedload(Customer.assignee), joinedload(Customer.stage), selectinload(Customer.tags))
        .order_by(*SORTS[sort], Customer.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return list(db.session.scalars(stmt).unique()), total


@bp.get("")
@require_action("customers.view")
def index():
    tenant = current_tenant()
    filters = CustomerFilter.from_args(request.args)
    sort = request.args.get("sort", "-created")
    sort = sort if sort in SORTS else "-created"
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = _page_of_customers(filters, sort, page)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "sort": sort,
        "filters": filters,
        "choices": filter_choices(tenant),
        "stages": pipeline.stages(tenant.id),
        "back": htmx.current_path(),
    }
    template = "customers/_table.html" if htmx.is_partial() else "customers/index.html"
    return render_template(template, **context)


def _fill_choices(form: CustomerForm) -> None:
    tenant = current_tenant()
    form.stage_id.choices = [(s.id, s.name) for s in pipeline.stages(tenant.id)]
    form.assignee_id.choices = [(0, _("Unassigned"))] + [(m.id, m.name) for m in members(tenant)]


@bp.route("/new", methods=["GET", "POST"])
@require_action("customers.edit")
def new():
    tenant = current_tenant()
    form = CustomerForm()
    _fill_choices(form)
    if request.method == "GET":
        form.stage_id.data = request.args.get("stage_id", type=int) or form.stage_id.choices[0][0]
        form.assignee_id.data = current_user.id
    duplicate = form_error = None
    status = 200
    if form.validate_on_submit():
        try:
            customer = services.create(
                tenant,
                current_user,
                name=form.name.data,
                phone=form.phone.data,
                email=form.email.data,
                stage_id=form.stage_id.data,
                assignee_id=form.assignee_id.data or None,
                source=form.source.data or None,
                campaign=form.campaign.data,
                value_minor=to_minor(form.value.data),
                tags=split_tags(form.tags.data),
            )
            db.session.commit()
        except services.DuplicateCustomer as exc:
            db.session.rollback()
            duplicate, status = exc.existing, 409
        except services.CustomerError as exc:
            db.session.rollback()
            form_error, status = str(exc), 422
        else:
            flash(_("%(name)s was added.", name=customer.name), "success")
            target = request.args.get("next") or url_for("customers.view", customer_id=customer.id)
            return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
    elif request.method == "POST":
        status = 422
    return render_template("customers/new.html", form=form, duplicate=duplicate, form_error=form_error), status


@bp.get("/check")
@require_action("customers.view")
def check_duplicate():
    """While typing: is this phone or e-mail someone we already know?"""
    tenant = current_tenant()
    try:
        contact = services.Contact.parse(request.args.get("phone"), request.args.get("email"))
    except services.CustomerError as exc:
        return render_template("customers/_duplicate_hint.html", problem=str(exc))
    existing = services.find_existing(tenant.id, contact)
    return render_template("customers/_duplicate_hint.html", duplicate=existing)


BULK_ACTIONS = ("assign", "tag", "stage", "delete")


@bp.post("/bulk")
@require_action("customers.bulk")
def bulk():
    tenant = current_tenant()
    action = request.form.get("action")
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    if action not in BULK_ACTIONS or not ids:
        flash(_("Select customers and an action."), "error")
        return htmx.redirect(_back())
    # Tags come in one query: the tag action reads every row's current tags.
    rows = list(
        db.session.scalars(
            pipeline.live_customers(tenant.id).where(Customer.id.in_(ids)).options(selectinload(Customer.tags))
        )
    )
    try:
        if action == "assign":
            assignee = request.form.get("assignee_id", type=int) or None
            for customer in rows:
                services.assign(customer, current_user, assignee)
        elif action == "tag":
            tag = (request.form.get("tag") or "").strip()
            if not tag:
                raise services.CustomerError(_("Write the tag to add."))
            for customer in rows:
                services.set_tags(customer, [t.name for t in customer.tags] + [tag], current_user)
        elif action == "stage":
            stage_id = request.form.get("stage_id", type=int)
            if stage_id is None:
                abort(400)
            pipeline.bulk_move(tenant, current_user, [c.id for c in rows], stage_id)
        elif action == "delete":
            if not can("customers.delete"):
                abort(403)
            for customer in rows:
                services.delete(customer, current_user)
        db.session.commit()
    except services.CustomerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Done for %(count)s customers.", count=len(rows)), "success")
    return htmx.redirect(_back())


def _back() -> str:
    target = request.form.get("back") or ""
    return target if target.startswith("/") and not target.startswith("//") else url_for("customers.index")


from app.customers import viewer  # noqa: E402,F401  (the customer 360 routes live on this blueprint)
