from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.permissions import require_action
from app.extensions import db
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import Customer, Reminder, User
from app.models.base import utcnow
from app.reminders import services
from app.reminders.forms import PREFIX, ReminderForm

bp = Blueprint("reminders", __name__)

CONTEXTS = ("agenda", "customer")


def customer_href(customer_id: int) -> str:
    # The customer 360 page belongs to the customers area; its address is fixed.
    return f"{request.script_root}/customers/{customer_id}"


def _live_customer(customer_id: int) -> Customer:
    customer = get_or_404(Customer, customer_id)
    if not customer.is_live:
        abort(404)
    return customer


def reminder_form(members: list[User], formdata: Any = None) -> ReminderForm:
    """The add form: filled from `formdata` when given, else blank with a due time an hour ahead."""
    if formdata is None:
        due = services.default_due(current_tenant(), utcnow())
        defaults = {"due_date": due.date(), "due_time": due.time(), "assignee_id": current_user.id}
        form = ReminderForm(formdata=None, prefix=PREFIX, data=defaults)
    else:
        # No defaults here: a field missing from the post must fail, not fall back.
        form = ReminderForm(formdata=formdata, prefix=PREFIX)
    form.assignee_id.choices = [(m.id, m.name) for m in members]
    return form


def customer_fragment_context(
    customer: Customer, form: ReminderForm | None = None, notice: str | None = None
) -> dict[str, Any]:
    """Everything `reminders/_customer_reminders.html` needs; the customer 360 page includes it too."""
    members = services.active_members(current_tenant())
    return {
        "customer": customer,
        "reminders": services.for_customer(customer),
        "reminder_form": form or reminder_form(members),
        "members": members,
        "now": utcnow(),
        "notice": notice,
    }


def _agenda_context(notice: str | None = None) -> dict[str, Any]:
    now = utcnow()
    return {"agenda": services.agenda(current_tenant(), current_user, now), "now": now, "notice": notice}


def _customer_fragment(customer: Customer, status: int = 200, **kwargs: Any) -> tuple[str, int]:
    html = render_template("reminders/_customer_reminders.html", **customer_fragment_context(customer, **kwargs))
    return html, status


def _first_error(form: ReminderForm) -> str:
    return next((str(e) for errors in form.errors.values() for e in errors), _("Check the reminder."))


@bp.post("/customers/<int:customer_id>/reminders")
@require_action("reminders.manage")
def create(customer_id: int) -> Response | tuple[str, int]:
    customer = _live_customer(customer_id)
    form = reminder_form(services.active_members(current_tenant()), formdata=request.form)
    if form.validate_on_submit():
        due_at = services.local_to_utc(current_tenant(), form.due_date.data, form.due_time.data)
        try:
            services.create(customer, current_user, form.title.data, due_at, form.assignee_id.data)
            db.session.commit()
        except services.ReminderError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, form.title)
            target.errors = [*target.errors, str(exc)]
        else:
            if htmx.is_partial():
                return _customer_fragment(customer)
            flash(_("Reminder set."), "success")
            return redirect(customer_href(customer.id), 303)
    if htmx.is_partial():
        return _customer_fragment(customer, 422, form=form)
    flash(_first_error(form), "error")
    return redirect(customer_href(customer.id), 303)


@bp.post("/reminders/<int:reminder_id>/complete")
@require_action("reminders.manage")
def complete(reminder_id: int) -> Response | tuple[str, int]:
    reminder = get_or_404(Reminder, reminder_id)
    context = request.form.get("context")
    if context not in CONTEXTS:
        context = "agenda"
    notice, status = None, 200
    try:
        services.complete(reminder, current_user)
        db.session.commit()
    except services.ReminderError as exc:
        db.session.rollback()
        notice, status = str(exc), 409
    if not htmx.is_partial():
        if notice:
            flash(notice, "error")
        target = customer_href(reminder.customer_id) if context == "customer" else url_for("reminders.agenda")
        return redirect(target, 303)
    if context == "customer":
        return _customer_fragment(reminder.customer, status, notice=notice)
    return render_template("reminders/_agenda_list.html", **_agenda_context(notice)), status


@bp.get("/customers/<int:customer_id>/reminders/_list")
@require_action("reminders.manage")
def customer_list(customer_id: int) -> tuple[str, int]:
    return _customer_fragment(_live_customer(customer_id))


@bp.get("/agenda")
@require_action("reminders.manage")
def agenda() -> str:
    return render_template("reminders/agenda.html", **_agenda_context())


@bp.get("/agenda/_list")
@require_action("reminders.manage")
def agenda_list() -> str:
    return render_template("reminders/_agenda_list.html", **_agenda_context())
