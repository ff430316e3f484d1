"""Invitations over real SMTP, against a local fake server (aiosmtpd) on 127.0.0.1."""

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.factories import login


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(config):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    config(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False)
    yield inbox
    controller.stop()


def test_an_invitation_goes_out_over_smtp(make, client, smtp, run_jobs):
    team = make.team()
    login(client, team.owner)
    client.post("/settings/team/invite", data={"email": "smtp-davet@example.test", "role": "agent"})
    run_jobs()
    [(recipients, message)] = smtp.messages
    assert recipients == ["smtp-davet@example.test"]
    assert team.tenant.name in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"http://kervan\.test/join/\S+", text)
    assert message.get_body(preferencelist=("html",)) is not None


def test_an_unreachable_smtp_server_is_a_retryable_error(app, config):
    from app.lib import mail

    config(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_STARTTLS=False)
    with app.app_context(), pytest.raises(mail.MailError) as caught:
        mail.send("kimse@example.test", "Konu", "Metin")
    assert caught.value.retryable
