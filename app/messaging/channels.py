"""One outbound messaging interface, one class per channel, chosen by name.

Every message is recorded as an OutboundMessage whatever the channel. The
"outbox" channel only records (the development default, viewable in the app);
"email" sends through SMTP (or the .eml outbox folder on the embedded default).
WhatsApp and SMS adapters join the registry with the inbox work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from app.extensions import db
from app.lib import mail
from app.models import Customer, OutboundMessage


class ChannelError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Channel(ABC):
    name = ""

    @abstractmethod
    def address_of(self, customer: Customer) -> str | None:
        """Where this channel reaches the customer, or None."""

    @abstractmethod
    def deliver(self, message: Message) -> None:
        """Send it, or raise ChannelError saying whether a retry may help."""


class OutboxChannel(Channel):
    """Development and demo: nothing leaves the machine; Settings → Messages shows it."""

    name = "outbox"

    def address_of(self, customer: Customer) -> str | None:
        return customer.phone or customer.email

    def deliver(self, message: Message) -> None:
        return None


class EmailChannel(Channel):
    name = "email"

    def address_of(self, customer: Customer) -> str | None:
        return customer.email

    def deliver(self, message: Message) -> None:
        try:
            mail.send(message.to, message.subject, message.body)
        except mail.MailError as exc:
            raise ChannelError(str(exc), retryable=exc.retryable) from exc


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in (OutboxChannel(), EmailChannel())}


def channel_for(tenant, customer: Customer) -> Channel:
    """The business's preferred channel when the customer can be reached on it, else the outbox."""
    preferred = CHANNELS.get((tenant.booking_settings or {}).get("channel", "outbox"), CHANNELS["outbox"])
    return preferred if preferred.address_of(customer) else CHANNELS["outbox"]


def send(tenant, customer: Customer, subject: str, body: str, *, appointment_id: int | None = None) -> OutboundMessage:
    """Send one message to a customer and record it (status "failed" with the reason when it could not go)."""
    channel = channel_for(tenant, customer)
    to = channel.address_of(customer) or "-"
    record = OutboundMessage(
        tenant_id=tenant.id,
        customer_id=customer.id,
        appointment_id=appointment_id,
        channel=channel.name,
        to=to,
        subject=subject[:200],
        body=body,
    )
    try:
        channel.deliver(Message(to, subject, body))
        record.status = "sent"
    except ChannelError as exc:
        record.status, record.error = "failed", str(exc)[:300]
    db.session.add(record)
    return record
