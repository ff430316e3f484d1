from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app.imports.fields import FIELDS

SAMPLE_CHARS = 28


class UploadForm(FlaskForm):
    file = FileField(_l("Customer file"), validators=[FileRequired(_l("Choose a file to upload."))])


class MappingForm(FlaskForm):
    """One select per Kervan field; the choices are the file's columns."""

    def mapping(self) -> dict[str, str]:
        return {f.key: self[f.key].data or "" for f in FIELDS}


def mapping_form(headers: list[str], samples: dict[str, str], initial: dict[str, str] | None = None) -> MappingForm:
    """A MappingForm for this file's columns, pre-filled with `initial` when nothing was posted."""

    class FileMappingForm(MappingForm):
        pass

    choices = [("", _l("— Not imported —"))] + [(h, _choice_label(h, samples.get(h, ""))) for h in headers]
    for f in FIELDS:
        setattr(FileMappingForm, f.key, SelectField(f.label, choices=choices, default=""))
    return FileMappingForm(data=initial or {})


def _choice_label(header: str, sample: str) -> str:
    if not sample:
        return header
    if len(sample) > SAMPLE_CHARS:
        sample = sample[: SAMPLE_CHARS - 1] + "…"
    return f"{header} · {sample}"
