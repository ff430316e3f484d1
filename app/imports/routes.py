from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_login import current_user

from app import jobqueue
from app.auth.permissions import require_action
from app.customers.filters import CustomerFilter
from app.extensions import db
from app.imports import exports, readers, services
from app.imports.fields import FIELDS
from app.imports.forms import UploadForm, mapping_form
from app.lib import htmx
from app.lib.tenancy import current_tenant, get_or_404
from app.models import ImportJob
from app.models.base import utcnow

bp = Blueprint("imports", __name__)


def _customers_url() -> str:
    return url_for("customers.index")


def _upload_page(form: UploadForm, status: int = 200):
    context = {"form": form, "recent": services.recent(current_tenant()), "customers_url": _customers_url()}
    return render_template("imports/upload.html", **context), status


@bp.get("/customers/import")
@require_action("customers.import")
def index():
    return _upload_page(UploadForm())


@bp.post("/customers/import")
@require_action("customers.import")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 400)
    storage = form.file.data
    try:
        content = storage.stream.read(readers.MAX_BYTES + 1)
        job = services.upload(current_tenant(), current_user, storage.filename or "", content)
        db.session.commit()
    except readers.UnreadableFile as exc:
        db.session.rollback()
        form.file.errors.append(str(exc))
        return _upload_page(form, 400)
    return redirect(url_for("imports.show", import_id=job.id))


def _mapping_page(job: ImportJob, sheet: readers.Sheet, form, status: int = 200):
    return render_template("imports/mapping.html", job=job, sheet=sheet, form=form, fields=FIELDS), status


def _job_awaiting_mapping(import_id: int) -> ImportJob:
    """The tenant's import while it can still be mapped; one already queued or run
    sends the person to its progress page instead."""
    job = get_or_404(ImportJob, import_id)
    if job.status != "uploaded":
        abort(redirect(url_for("imports.progress", import_id=job.id)))
    return job


@bp.get("/customers/import/<int:import_id>")
@require_action("customers.import")
def show(import_id: int):
    job = _job_awaiting_mapping(import_id)
    sheet = services.sheet_of(job)
    if job.mapping and not request.args.get("columns"):
        preview = services.preview(current_tenant(), job, sheet)
        return render_template("imports/preview.html", job=job, sheet=sheet, preview=preview, fields=FIELDS)
    form = mapping_form(sheet.headers, services.samples(sheet), services.mapping_for(job, sheet))
    return _mapping_page(job, sheet, form)


@bp.post("/customers/import/<int:import_id>/mapping")
@require_action("customers.import")
def save_mapping(import_id: int):
    job = _job_awaiting_mapping(import_id)
    sheet = services.sheet_of(job)
    form = mapping_form(sheet.headers, services.samples(sheet))
    if form.validate_on_submit():
        try:
            services.save_mapping(job, sheet, form.mapping())
            db.session.commit()
        except services.MappingError as exc:
            db.session.rollback()
            form[exc.field].errors.append(str(exc))
        else:
            return redirect(url_for("imports.show", import_id=job.id))
    return _mapping_page(job, sheet, form, 422)


@bp.post("/customers/import/<int:import_id>/start")
@require_action("customers.import")
def start(import_id: int):
    job = get_or_404(ImportJob, import_id)
    try:
        services.queue(job)
        db.session.commit()
    except services.ImportsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("imports.show", import_id=job.id))
    from jobs.imports import run_import

    jobqueue.enqueue(run_import, job.tenant_id, job.id)
    return redirect(url_for("imports.progress", import_id=job.id))


@bp.get("/customers/import/<int:import_id>/progress")
@require_action("customers.import")
def progress(import_id: int):
    job = get_or_404(ImportJob, import_id)
    if job.status == "uploaded":
        return redirect(url_for("imports.show", import_id=job.id))
    context = {"job": job, "state": services.state(job), "customers_url": _customers_url()}
    if htmx.is_partial():
        return render_template("imports/_progress.html", **context)
    return render_template("imports/progress.html", **context)


@bp.get("/customers/import/<int:import_id>/errors.csv")
@require_action("customers.import")
def error_report(import_id: int):
    job = get_or_404(ImportJob, import_id)
    sheet = services.sheet_of(job)
    rows = exports.error_rows(sheet, services.row_errors(current_tenant(), job, sheet))
    body = "".join(exports.csv_lines(rows, exports.dialect_for(str(get_locale()))))
    return _csv_response(body, f"kervan-import-{job.id}-errors.csv")


@bp.get("/customers/export.csv")
@require_action("customers.export")
def export():
    tenant = current_tenant()
    filters = CustomerFilter.from_args(request.args)
    exports.record(tenant, current_user, filters, exports.count(tenant.id, filters))
    db.session.commit()  # audited before a single row leaves
    dialect = exports.dialect_for(str(get_locale()))
    lines = exports.csv_lines(exports.customer_rows(tenant.id, filters, dialect), dialect)
    return _csv_response(stream_with_context(lines), utcnow().strftime("kervan-customers-%Y-%m-%d.csv"))


def _csv_response(body, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response
