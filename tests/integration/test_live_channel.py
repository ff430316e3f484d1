"""The live channel: in-process on the embedded default, Redis pub/sub when configured."""

import pytest

from app import events
from app.realtime import broker
from tests import settings


def _published(tenant_id, event_id):
    return events.Published(event_id, tenant_id, events.MEMBER_INVITED, None, None, None, None, {"email": "a@b.test"})


def test_a_tenant_hears_its_own_events_and_no_one_elses(app):
    with app.app_context():
        mine, theirs = broker.subscribe(9001), broker.subscribe(9002)
        try:
            broker.publish(_published(9001, 1))
            assert mine.get(timeout=3)["id"] == 1
            assert theirs.get(timeout=0.3) is None
        finally:
            mine.close()
            theirs.close()


def test_every_open_stream_of_the_tenant_gets_the_event(app):
    with app.app_context():
        subs = [broker.subscribe(9003) for _ in range(5)]
        try:
            broker.publish(_published(9003, 7))
            assert [s.get(timeout=3)["id"] for s in subs] == [7] * 5
        finally:
            for s in subs:
                s.close()
        assert broker.hub.count(9003) == 0


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_events_travel_through_redis_between_processes(app):
    """Publishing straight to Redis, as another web instance would, reaches this process's streams."""
    import json

    from app.lib.redis import client_for

    with app.app_context():
        sub = broker.subscribe(9004)
        try:
            channel = f"{app.config['LIVE_CHANNEL_PREFIX']}:9004"
            receivers = client_for(app.config["REDIS_URL"]).publish(channel, json.dumps(_published(9004, 11).as_dict()))
            assert receivers >= 1  # this process's relay is subscribed
            assert sub.get(timeout=3)["id"] == 11
        finally:
            sub.close()


def test_a_stalled_subscriber_is_marked_to_reconnect_instead_of_growing(app):
    with app.app_context():
        sub = broker.subscribe(9005)
        try:
            for n in range(broker.QUEUE_LIMIT + 1):
                broker.hub.deliver(_published(9005, n).as_dict())
            assert sub.ended
        finally:
            sub.close()
