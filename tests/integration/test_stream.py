"""The SSE endpoint, read chunk by chunk through the test client."""

import json
import time

from app import events
from app.extensions import db
from app.models import User
from tests.factories import login


class Stream:
    def __init__(self, client, headers=None, query=""):
        self.response = client.get(f"/realtime/stream{query}", headers=headers or {}, buffered=False)
        self.chunks = iter(self.response.response)

    def next_event(self, name=None, timeout=5.0):
        """The next SSE message (skipping comments), as (id, event, data)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = next(self.chunks)
            except StopIteration:
                return None
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            fields = dict(
                line.split(": ", 1) for line in text.strip().splitlines() if not line.startswith((":", "retry"))
            )
            if "event" in fields and (name is None or fields["event"] == name):
                return fields.get("id"), fields["event"], json.loads(fields["data"])
        raise AssertionError("no event in time")

    def close(self):
        self.response.close()


def _emit(app, tenant, event_type, actor=None, **data):
    with app.app_context():
        row = events.emit(tenant.id, event_type, actor=db.session.get(User, actor.id) if actor else None, data=data)
        db.session.commit()
        return row.id


def test_it_streams_the_tenants_events_with_their_log_id(app, make, client):
    team = make.team()
    login(client, team.agent)
    stream = Stream(client)
    try:
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        assert stream.response.headers["Cache-Control"].startswith("no-cache")
        assert stream.response.headers["X-Accel-Buffering"] == "no"
        event_id = _emit(
            app, team.tenant, events.MEMBER_INVITED, actor=team.owner, email="yeni@example.test", role="agent"
        )
        got_id, name, data = stream.next_event()
        assert (int(got_id), name) == (event_id, "member.invited")
        assert data["summary"] == f"{team.owner.name} invited yeni@example.test as Agent."
        assert data["own"] is False
    finally:
        stream.close()


def test_it_sends_keep_alive_comments_while_idle(make, client):
    team = make.team()
    login(client, team.agent)
    stream = Stream(client)
    try:
        chunks = [next(stream.chunks) for _ in range(2)]
        assert any(b": keep-alive" in (c if isinstance(c, bytes) else c.encode()) for c in chunks)
    finally:
        stream.close()


def test_it_does_not_leak_other_tenants_events(app, make, client):
    team = make.team()
    login(client, team.agent)
    stream = Stream(client)
    try:
        _emit(app, team.outsider_tenant, events.MEMBER_INVITED, email="theirs@example.test", role="agent")
        mine = _emit(app, team.tenant, events.MEMBER_INVITED, email="ours@example.test", role="agent")
        got_id, _, data = stream.next_event()
        assert int(got_id) == mine and data["data"]["email"] == "ours@example.test"
    finally:
        stream.close()


def test_a_reconnecting_client_gets_what_it_missed(app, make, client):
    team = make.team()
    login(client, team.manager)
    seen = _emit(app, team.tenant, events.MEMBER_INVITED, email="one@example.test", role="agent")
    missed = [
        _emit(app, team.tenant, events.MEMBER_INVITED, email=f"missed{n}@example.test", role="agent") for n in range(3)
    ]
    stream = Stream(client, headers={"Last-Event-ID": str(seen)})
    try:
        replayed = [int(stream.next_event()[0]) for _ in missed]
        assert replayed == missed
    finally:
        stream.close()
    # The fallback for a brand-new EventSource, which cannot send the header.
    stream = Stream(client, query=f"?last_event_id={missed[1]}")
    try:
        assert int(stream.next_event()[0]) == missed[2]
    finally:
        stream.close()


def test_an_offboarded_member_is_told_the_session_ended(app, make, client):
    team = make.team()
    login(client, team.agent)
    stream = Stream(client)
    try:
        owner = make.user()
        _emit(app, team.tenant, events.MEMBER_OFFBOARDED, actor=owner, user_id=team.agent.id, name=team.agent.name)
        assert stream.next_event(name="session.ended") is not None
        assert stream.next_event() is None  # and the stream is over
    finally:
        stream.close()


def test_the_stream_needs_a_signed_in_member(client):
    assert client.get("/realtime/stream").status_code == 302
