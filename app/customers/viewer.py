"""CustomerViewer: one customer's 360° screen and its quick actions.

Each action answers with the fragment it changed; other viewers of the same
customer refresh through the live stream (data-live-subject in the templates).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.permissions import require_action
from app.customers import services, timeline
from app.customers.forms import CallForm, NoteForm, ProfileForm, split_tags, to_minor
from app.customers.routes import bp
from app.customers.views import members
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Customer
from app.pipeline import services as pipeline
from app.shell.activity import describe
from app.tracking.visits import customer_visits


def _customer(customer_id: int) -> Customer:
    customer = get_or_404(Customer, customer_id)
    if customer.deleted_at is not None:
        abort(404)
    return customer


def _profile_context(customer: Customer, form: ProfileForm | None = None, error: str | None = None) -> dict:
    return {
        "c": customer,
        "stages": pipeline.stages(customer.tenant_id),
        "members": members(current_tenant()),
        "form": form,
        "error": error,
    }


def _timeline_context(customer: Customer) -> dict:
    category = request.args.get("type")
    rows = timeline.entries(customer, category, request.args.get("before", type=int))
    return {
        "c": customer,
        "entries": rows[: timeline.PAGE],
        "more": len(rows) > timeline.PAGE,
        "category": category if category in timeline.CATEGORIES else None,
        "categories": timeline.CATEGORIES,
        "describe": describe,
        "call_outcomes": {key: str(label) for key, label in services.CALL_OUTCOMES.items()},
    }


def _visits_context(customer: Customer) -> dict:
    visits, total = customer_visits(customer)
    return {"visits": visits, "visits_total": total}


def _reminders_context(customer: Customer) -> dict:
    try:
        from app.reminders.routes import customer_fragment_context
    except ImportError:  # reminders arrive with their own package
        return {}
    return customer_fragment_context(customer)


@bp.get("/<int:customer_id>")
@require_action("customers.view")
def view(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    kept = services.resolve(customer)
    if kept.id != customer.id:
        return redirect(url_for("customers.view", customer_id=kept.id), 301)
    if customer.deleted_at is not None:
        abort(404)
    context = {
        **_profile_context(customer),
        **_timeline_context(customer),
        **_reminders_context(customer),
        **_visits_context(customer),
    }
    return render_template("customers/view.html", **context, note_form=NoteForm(), call_form=CallForm())


@bp.get("/<int:customer_id>/_profile")
@require_action("customers.view")
def profile(customer_id: int):
    customer = _customer(customer_id)
    form = None
    if request.args.get("edit"):
        form = ProfileForm(obj=customer)
        form.value.data = customer.value_minor / 100
        form.tags.data = ", ".join(t.name for t in customer.tags)
    return render_template("customers/_profile.html", **_profile_context(customer, form))


@bp.post("/<int:customer_id>/profile")
@require_action("customers.edit")
def save_profile(customer_id: int):
    customer = _customer(customer_id)
    form = ProfileForm()
    if not form.validate_on_submit():
        return render_template("customers/_profile.html", **_profile_context(customer, form)), 422
    try:
        services.update_fields(
            customer,
            current_user,
            name=form.name.data,
            phone=form.phone.data,
            email=form.email.data,
            source=form.source.data or None,
            campaign=form.campaign.data,
            value_minor=to_minor(form.value.data),
            consent_email=form.consent_email.data,
            consent_sms=form.consent_sms.data,
            consent_whatsapp=form.consent_whatsapp.data,
            consent_calls=form.consent_calls.data,
        )
        services.set_tags(customer, split_tags(form.tags.data), current_user)
        db.session.commit()
    except services.CustomerError as exc:
        db.session.rollback()
        customer = _customer(customer_id)
        return render_template("customers/_profile.html", **_profile_context(customer, form, str(exc))), 409
    return render_template("customers/_profile.html", **_profile_context(customer))


@bp.post("/<int:customer_id>/stage")
@require_action("pipeline.move")
def change_stage(customer_id: int):
    customer = _customer(customer_id)
    stage_id = request.form.get("stage_id", type=int)
    if stage_id is None:
        abort(400)
    if stage_id != customer.stage_id:
        try:
            pipeline.move(customer, current_user, stage_id)
            db.session.commit()
        except services.CustomerError as exc:
            db.session.rollback()
            return render_template("customers/_profile.html", **_profile_context(customer, error=str(exc))), 409
    return render_template("customers/_profile.html", **_profile_context(customer))


@bp.post("/<int:customer_id>/assign")
@require_action("customers.edit")
def assign(customer_id: int):
    customer = _customer(customer_id)
    try:
        services.assign(customer, current_user, request.form.get("assignee_id", type=int) or None)
        db.session.commit()
    except services.CustomerError as exc:
        db.session.rollback()
        return render_template("customers/_profile.html", **_profile_context(customer, error=str(exc))), 422
    return render_template("customers/_profile.html", **_profile_context(customer))


@bp.get("/<int:customer_id>/_timeline")
@require_action("customers.view")
def timeline_fragment(customer_id: int):
    customer = _customer(customer_id)
    template = "customers/_timeline_entries.html" if request.args.get("before") else "customers/_timeline.html"
    return render_template(template, **_timeline_context(customer))


@bp.post("/<int:customer_id>/notes")
@require_action("customers.edit")
def add_note(customer_id: int):
    customer = _customer(customer_id)
    form = NoteForm()
    if form.validate_on_submit():
        services.add_note(customer, current_user, form.text.data)
        db.session.commit()
        form = NoteForm(formdata=None)
        status = 200
    else:
        status = 422
    return render_template("customers/_note_form.html", c=customer, note_form=form, saved=status == 200), status


@bp.post("/<int:customer_id>/calls")
@require_action("customers.edit")
def log_call(customer_id: int):
    customer = _customer(customer_id)
    form = CallForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.log_call(customer, current_user, form.outcome.data, form.note.data)
            db.session.commit()
            form, status = CallForm(formdata=None), 200
        except services.CustomerError as exc:
            db.session.rollback()
            form.outcome.errors.append(str(exc))
    return render_template("customers/_call_form.html", c=customer, call_form=form, saved=status == 200), status


@bp.get("/<int:customer_id>/merge")
@require_action("customers.merge")
def merge_search(customer_id: int):
    """Find the duplicate to fold into this customer."""
    customer = _customer(customer_id)
    from app.customers.filters import search_clause

    q = (request.args.get("q") or "").strip()
    found = []
    if len(q) >= 2:
        found = list(
            db.session.scalars(
                pipeline.live_customers(customer.tenant_id)
                .where(search_clause(q), Customer.id != customer.id)
                .order_by(Customer.name)
                .limit(10)
            )
        )
    return render_template("customers/_merge_results.html", c=customer, found=found, q=q)


@bp.post("/<int:customer_id>/merge")
@require_action("customers.merge")
def merge(customer_id: int):
    kept = _customer(customer_id)
    other = _customer(request.form.get("other_id", type=int) or 0)
    try:
        services.merge(kept, other, current_user)
        db.session.commit()
    except services.CustomerError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("%(other)s was merged into %(name)s.", other=other.name, name=kept.name), "success")
    return htmx.redirect(url_for("customers.view", customer_id=kept.id))


@bp.post("/<int:customer_id>/delete")
@require_action("customers.delete")
def delete(customer_id: int):
    customer = _customer(customer_id)
    services.delete(customer, current_user)
    db.session.commit()
    flash(_("%(name)s was deleted.", name=customer.name), "success")
    return htmx.redirect(url_for("customers.index"))
