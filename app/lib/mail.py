"""Outgoing e-mail: SMTP when SMTP_HOST is set, otherwise .eml files in the
local outbox folder (instance/outbox) so the embedded run never needs a server."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app


class MailError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def build(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="kervan.local")
    msg["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def send(to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one message; returns where it went ("smtp" or the outbox file path)."""
    msg = build(to, subject, text, html)
    cfg = current_app.config
    if not cfg["SMTP_HOST"]:
        outbox = Path(cfg["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{to.replace('@', '_at_')}.eml"
        path.write_bytes(bytes(msg))
        return str(path)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=15) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"recipient refused: {to}", retryable=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(str(exc), retryable=True) from exc
    return "smtp"
