"""The public side of booking: the business's booking page (/b/<slug>), the
customer's manage link, waitlist sign-up and claim links, and the private
iCalendar feeds. No login anywhere here; every POST is rate-limited per
address, CSRF-protected and carries a honeypot where a stranger types.

Routes stay thin: the rules live in app.booking.services, app.booking.waitlist,
app.booking.ical and app.customers.services.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from flask import Blueprint, Response, abort, current_app, flash, g, render_template, request, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.booking import ical, waitlist
from app.booking import services as booking
from app.booking.notifications import notify_booked
from app.booking.public_forms import ActionForm, BookingForm, CancelForm, MoveForm, WaitlistForm
from app.customers import services as customers
from app.extensions import db, limiter
from app.lib import htmx
from app.models import Appointment, Customer, Service, Tenant, WaitlistEntry
from app.models.base import utcnow

bp = Blueprint("public_booking", __name__)

DAYS_SHOWN = 14
SUPPORTED = ("tr", "en")
START_FORMAT = "%Y%m%dT%H%MZ"  # a slot in URLs and forms: UTC, no characters that need escaping
BOOK_LIMIT = "10/hour"
MANAGE_LIMIT = "30/hour"
STATUS_LABELS = {
    "booked": _l("Booked"),
    "confirmed": _l("Confirmed"),
    "arrived": _l("Arrived"),
    "completed": _l("Completed"),
    "no_show": _l("Missed"),
    "cancelled": _l("Cancelled"),
}


# --- tenant and language of the page -------------------------------------------------------------------------


@bp.url_value_preprocessor
def _load_business(endpoint: str | None, values: dict | None) -> None:
    if not values or "slug" not in values:
        return
    slug = values.pop("slug")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    g.public_tenant = tenant
    # The visitor's choice (the TR/EN switch), else their browser's language, else the business's.
    chosen = session.get("lang") if session.get("lang") in SUPPORTED else None
    g.public_locale = (
        chosen
        or request.accept_languages.best_match(SUPPORTED)
        or (tenant.locale if tenant.locale in SUPPORTED else "tr")
    )


@bp.url_defaults
def _add_slug(endpoint: str, values: dict) -> None:
    tenant = g.get("public_tenant")
    if tenant is not None and "slug" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "slug"):
        values["slug"] = tenant.slug


def _business() -> Tenant:
    tenant = g.get("public_tenant")
    if tenant is None:
        abort(404)
    return tenant


def _public_services(tenant: Tenant) -> list[Service]:
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.tenant_id == tenant.id, Service.public.is_(True), Service.active.is_(True))
            .order_by(Service.position, Service.name)
        )
    )


def _service_or_none(tenant: Tenant, raw: str | None) -> Service | None:
    try:
        service_id = int(raw or "")
    except ValueError:
        return None
    return db.session.scalar(
        select(Service).where(
            Service.id == service_id,
            Service.tenant_id == tenant.id,
            Service.public.is_(True),
            Service.active.is_(True),
        )
    )


def _parse_start(raw: str | None) -> datetime | None:
    try:
        return datetime.strptime(raw or "", START_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _start_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(START_FORMAT)


def _local(tenant: Tenant, moment: datetime) -> datetime:
    return moment.astimezone(booking.zone_of(tenant))


def _day_label(day: date) -> tuple[str, str]:
    """("Mon", "23 Nov"): a day chip's two lines."""
    locale = str(get_locale())
    return format_date(day, "EEE", locale=locale), format_date(day, "d MMM", locale=locale)


def _long_day(day: date) -> str:
    return format_date(day, "EEEE d MMMM y", locale=str(get_locale()))


def _today(tenant: Tenant) -> date:
    return utcnow().astimezone(booking.zone_of(tenant)).date()


def _slots_by_day(tenant: Tenant, service: Service, first: date, last: date, exclude: int | None = None):
    """{local day: [(key, "HH:MM")]} for every day in the range (an empty list: nothing free)."""
    days: OrderedDict[date, list[tuple[str, str]]] = OrderedDict()
    day = first
    while day <= last:
        days[day] = []
        day += timedelta(days=1)
    seen = set()
    for slot in booking.free_slots_for(tenant, service, first, last, exclude_appointment=exclude):
        local = _local(tenant, slot.starts_at)
        key = _start_key(slot.starts_at)
        if local.date() in days and key not in seen:
            seen.add(key)
            days[local.date()].append((key, local.strftime("%H:%M")))
    return days


# --- the booking page ---------------------------------------------------------------------------------------


def _label_consent(form: BookingForm | WaitlistForm, tenant: Tenant) -> None:
    """The consent checkbox names the business the customer agrees with."""
    form.consent.label.text = _(
        "I agree that %(business)s processes my data to manage this appointment.", business=tenant.name
    )


def _flow_context(tenant: Tenant, args, form: BookingForm | None = None, problem: str | None = None) -> dict:
    """Everything the four steps need, from the query string (or the posted form)."""
    services = _public_services(tenant)
    service = _service_or_none(tenant, args.get("service"))
    today = _today(tenant)
    days = _slots_by_day(tenant, service, today, today + timedelta(days=DAYS_SHOWN - 1)) if service else {}
    day = waitlist.parse_day(args.get("day"))
    if day not in days:
        day = None
    start = _parse_start(args.get("start"))
    slots = days.get(day, []) if day else []
    if start is not None:
        if service is None or _start_key(start) not in {key for d in days.values() for key, _label in d}:
            if service is not None and problem is None:
                problem = _("This time is no longer free. Choose another one.")
            start = None
        else:
            day = _local(tenant, start).date()
            slots = days.get(day, [])
    if start is not None and form is None:
        form = BookingForm(formdata=None, service=str(service.id), start=_start_key(start))
    if form is not None:
        _label_consent(form, tenant)
    return {
        "business": tenant,
        "services": services,
        "service": service,
        "days": days,
        "day": day,
        "slots": slots,
        "start": start,
        "start_key": _start_key(start) if start else None,
        "start_local": _local(tenant, start) if start else None,
        "form": form if start is not None else None,
        "problem": problem,
        "no_free_day": bool(service) and not any(days.values()),
        "day_label": _day_label,
        "long_day": _long_day,
    }


def _render_flow(context: dict, status: int = 200):
    template = "public_booking/_flow.html" if htmx.is_partial() else "public_booking/book.html"
    return render_template(template, **context), status


@bp.get("/b/<slug>")
def page():
    return _render_flow(_flow_context(_business(), request.args))


def _find_or_create_customer(tenant: Tenant, name: str, phone: str, email: str | None) -> Customer:
    """The customer who already has this phone or e-mail, else a new one from the web form."""
    contact = customers.Contact.parse(phone, email)
    existing = customers.find_existing(tenant.id, contact)
    if existing is not None and existing.deleted_at is None:
        return existing
    return customers.create(tenant, None, name=name, phone=phone, email=email or None, source="web_form")


@bp.post("/b/<slug>")
@limiter.limit(BOOK_LIMIT)
def book():
    tenant = _business()
    form = BookingForm()
    if form.website.data:
        return htmx.redirect(url_for(".thanks"))  # a bot: looks like success, saves nothing
    context_args = {"service": form.service.data, "start": form.start.data}
    if not form.validate():
        return _render_flow(_flow_context(tenant, context_args, form), 422)
    service = _service_or_none(tenant, form.service.data)
    start = _parse_start(form.start.data)
    if service is None or start is None:
        return _render_flow(_flow_context(tenant, {}, None, _("Choose a service and a time first.")), 422)
    try:
        customer = _find_or_create_customer(tenant, form.name.data, form.phone.data, form.email.data)
        with force_locale(tenant.locale or "tr"):
            note = _("Booked online; the customer agreed to the processing of their data for this appointment.")
        appointment = booking.book(tenant, None, customer, service, start, source="public", note=note)
        notify_booked(tenant, appointment)
        db.session.commit()
    except booking.SlotTaken as exc:
        db.session.rollback()
        tenant = _business_reloaded()
        day = _local(tenant, start).date().isoformat()
        return _render_flow(_flow_context(tenant, {"service": str(service.id), "day": day}, None, str(exc)), 409)
    except customers.CustomerError as exc:
        db.session.rollback()
        form.phone.errors = [*form.phone.errors, str(exc)]
        return _render_flow(_flow_context(_business_reloaded(), context_args, form), 422)
    except booking.BookingError as exc:
        db.session.rollback()
        return _render_flow(_flow_context(_business_reloaded(), context_args, form, str(exc)), 422)
    return htmx.redirect(url_for(".booked", token=appointment.manage_token))


def _business_reloaded() -> Tenant:
    """After a rollback the tenant row is expired; load it again."""
    g.public_tenant = db.session.get(Tenant, g.public_tenant.id)
    return g.public_tenant


@bp.get("/b/<slug>/thanks")
def thanks():
    return render_template("public_booking/thanks.html", business=_business())


def _by_token_or_404(column, tenant: Tenant, token: str):
    """The row of this business whose secret link token (`column`) is `token`, else 404."""
    if not token or len(token) > 64:
        abort(404)
    model = column.class_
    row = db.session.scalar(select(model).where(column == token, model.tenant_id == tenant.id))
    if row is None:
        abort(404)
    return row


def _appointment_for(tenant: Tenant, token: str) -> Appointment:
    return _by_token_or_404(Appointment.manage_token, tenant, token)


def _appointment_context(tenant: Tenant, appointment: Appointment) -> dict:
    local = _local(tenant, appointment.starts_at)
    return {
        "business": tenant,
        "appointment": appointment,
        "local_start": local,
        "local_end": _local(tenant, appointment.ends_at),
        "when_day": _long_day(local.date()),
        "status_label": str(STATUS_LABELS.get(appointment.status, appointment.status)),
        "manage_url": url_for(".manage", token=appointment.manage_token),
    }


@bp.get("/b/<slug>/booked/<token>")
def booked(token: str):
    tenant = _business()
    appointment = _appointment_for(tenant, token)
    return render_template("public_booking/booked.html", **_appointment_context(tenant, appointment))


# --- the customer's manage link -----------------------------------------------------------------------------


def _manage_context(tenant: Tenant, appointment: Appointment, args) -> dict:
    context = _appointment_context(tenant, appointment)
    context.update(cancel_form=CancelForm(formdata=None), action_form=ActionForm(formdata=None))
    rescheduling = bool(args.get("reschedule")) and appointment.is_active
    context["rescheduling"] = rescheduling
    if rescheduling:
        today = _today(tenant)
        days = _slots_by_day(tenant, appointment.service, today, today + timedelta(days=DAYS_SHOWN - 1), appointment.id)
        current = _start_key(appointment.starts_at)
        days = OrderedDict((d, [s for s in slots if s[0] != current]) for d, slots in days.items())
        day = waitlist.parse_day(args.get("day"))
        if day not in days:
            day = next((d for d, slots in days.items() if slots), None)
        context.update(
            days=days,
            day=day,
            slots=days.get(day, []) if day else [],
            move_form=MoveForm(formdata=None),
            day_label=_day_label,
        )
    return context


@bp.get("/b/<slug>/a/<token>")
def manage(token: str):
    tenant = _business()
    appointment = _appointment_for(tenant, token)
    context = _manage_context(tenant, appointment, request.args)
    if htmx.is_partial() and context["rescheduling"]:
        return render_template("public_booking/_reschedule.html", **context)
    return render_template("public_booking/manage.html", **context)


def _manage_problem(tenant: Tenant, token: str, message: str, status: int, args=None):
    db.session.rollback()
    tenant = _business_reloaded()
    appointment = _appointment_for(tenant, token)
    context = _manage_context(tenant, appointment, args or {})
    context["problem"] = message
    return render_template("public_booking/manage.html", **context), status


@bp.post("/b/<slug>/a/<token>/confirm")
@limiter.limit(MANAGE_LIMIT)
def confirm(token: str):
    tenant = _business()
    appointment = _appointment_for(tenant, token)
    if not ActionForm().validate():
        abort(400)
    if appointment.status == "booked":
        try:
            booking.set_status(tenant, None, appointment, "confirmed")
        except booking.BookingError as exc:
            return _manage_problem(tenant, token, str(exc), 409)
        db.session.commit()
        flash(_("Thank you, your appointment is confirmed."), "success")
    return htmx.redirect(url_for(".manage", token=token))


@bp.post("/b/<slug>/a/<token>/cancel")
@limiter.limit(MANAGE_LIMIT)
def cancel(token: str):
    tenant = _business()
    appointment = _appointment_for(tenant, token)
    form = CancelForm()
    if not form.validate():
        return _manage_problem(tenant, token, _("Keep the reason under 200 characters."), 422)
    try:
        booking.cancel(tenant, None, appointment, (form.reason.data or "").strip() or _("Cancelled by the customer"))
    except booking.BookingError as exc:
        return _manage_problem(tenant, token, str(exc), 409)
    db.session.commit()
    flash(_("Your appointment is cancelled."), "success")
    return htmx.redirect(url_for(".manage", token=token))


@bp.post("/b/<slug>/a/<token>/move")
@limiter.limit(MANAGE_LIMIT)
def move(token: str):
    tenant = _business()
    appointment = _appointment_for(tenant, token)
    form = MoveForm()
    start = _parse_start(form.start.data) if form.validate() else None
    if start is None:
        return _manage_problem(tenant, token, _("Choose a new time."), 422, {"reschedule": "1"})
    try:
        booking.move(tenant, None, appointment, start)
    except booking.BookingError as exc:
        day = _local(tenant, start).date().isoformat()
        return _manage_problem(tenant, token, str(exc), 409, {"reschedule": "1", "day": day})
    db.session.commit()
    flash(_("Your appointment is moved."), "success")
    return htmx.redirect(url_for(".manage", token=token))


# --- the waitlist -------------------------------------------------------------------------------------------


def _waitlist_context(tenant: Tenant, service: Service, form: WaitlistForm, problem: str | None = None) -> dict:
    _label_consent(form, tenant)
    return {"business": tenant, "service": service, "form": form, "problem": problem}


@bp.get("/b/<slug>/waitlist")
def waitlist_form():
    tenant = _business()
    service = _service_or_none(tenant, request.args.get("service"))
    if service is None:
        abort(404)
    first = waitlist.parse_day(request.args.get("day")) or _today(tenant)
    first = max(first, _today(tenant))
    form = WaitlistForm(
        formdata=None,
        service=str(service.id),
        from_date=first,
        to_date=first + timedelta(days=DAYS_SHOWN - 1),
        window_start=datetime.strptime("09:00", "%H:%M").time(),
        window_end=datetime.strptime("18:00", "%H:%M").time(),
    )
    return render_template("public_booking/waitlist.html", **_waitlist_context(tenant, service, form))


@bp.post("/b/<slug>/waitlist")
@limiter.limit(BOOK_LIMIT)
def waitlist_join():
    tenant = _business()
    form = WaitlistForm()
    if form.website.data:
        return htmx.redirect(url_for(".thanks"))
    service = _service_or_none(tenant, form.service.data)
    if service is None:
        abort(404)
    if not form.validate():
        return render_template("public_booking/waitlist.html", **_waitlist_context(tenant, service, form)), 422
    try:
        customer = _find_or_create_customer(tenant, form.name.data, form.phone.data, form.email.data)
        waitlist.join(
            tenant,
            customer,
            service,
            form.from_date.data,
            form.to_date.data,
            form.window_start.data.strftime("%H:%M"),
            form.window_end.data.strftime("%H:%M"),
        )
        db.session.commit()
    except customers.CustomerError as exc:
        db.session.rollback()
        form.phone.errors = [*form.phone.errors, str(exc)]
        tenant, service = _business_reloaded(), db.session.get(Service, service.id)
        return render_template("public_booking/waitlist.html", **_waitlist_context(tenant, service, form)), 422
    except booking.BookingError as exc:
        db.session.rollback()
        tenant, service = _business_reloaded(), db.session.get(Service, service.id)
        context = _waitlist_context(tenant, service, form, str(exc))
        return render_template("public_booking/waitlist.html", **context), 422
    return htmx.redirect(url_for(".waitlist_joined"))


@bp.get("/b/<slug>/waitlist/joined")
def waitlist_joined():
    return render_template("public_booking/waitlist_joined.html", business=_business())


def _offer_for(tenant: Tenant, token: str) -> WaitlistEntry:
    return _by_token_or_404(WaitlistEntry.offer_token, tenant, token)


def _offer_context(tenant: Tenant, entry: WaitlistEntry, problem: str | None = None) -> dict:
    local = _local(tenant, entry.offered_starts_at) if entry.offered_starts_at else None
    if entry.status == "booked":
        state = "booked"
    elif entry.status == "offered" and not waitlist.is_expired(entry):
        state = "open"
    else:
        state = "expired"
    return {
        "business": tenant,
        "entry": entry,
        "state": state,
        "local_start": local,
        "when_day": _long_day(local.date()) if local else "",
        "expires_local": _local(tenant, entry.offer_expires_at) if entry.offer_expires_at else None,
        "action_form": ActionForm(formdata=None),
        "problem": problem,
    }


@bp.get("/b/<slug>/w/<token>")
def offer(token: str):
    tenant = _business()
    entry = _offer_for(tenant, token)
    return render_template("public_booking/offer.html", **_offer_context(tenant, entry))


@bp.post("/b/<slug>/w/<token>")
@limiter.limit(MANAGE_LIMIT)
def claim(token: str):
    tenant = _business()
    entry = _offer_for(tenant, token)
    if not ActionForm().validate():
        abort(400)
    try:
        appointment = waitlist.claim(tenant, entry)
        notify_booked(tenant, appointment)
        db.session.commit()
    except booking.SlotTaken:
        db.session.rollback()
        tenant = _business_reloaded()
        entry = _offer_for(tenant, token)
        waitlist.back_to_waiting(entry)
        db.session.commit()
        problem = _("Sorry, this time was taken. You are still on the waiting list.")
        return render_template("public_booking/offer.html", **_offer_context(tenant, entry, problem)), 409
    except booking.BookingError as exc:
        db.session.rollback()
        tenant = _business_reloaded()
        entry = _offer_for(tenant, token)
        return render_template("public_booking/offer.html", **_offer_context(tenant, entry, str(exc))), 409
    return htmx.redirect(url_for(".booked", token=appointment.manage_token))


# --- iCalendar feeds ----------------------------------------------------------------------------------------


@bp.get("/ical/<token>.ics")
def ical_feed(token: str):
    resource = ical.resource_for_token(token)
    if resource is None:
        abort(404)
    response = Response(ical.feed(resource), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{resource.ical_token[:8]}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.app_template_global()
def ical_feed_links(tenant: Tenant) -> list:
    """For the staff's booking settings: [(resource, feed URL)] (see public_booking/_ical_links.html)."""
    return ical.feed_links(tenant)
