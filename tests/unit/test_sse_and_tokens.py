import json

import pytest
from flask import Flask

from app.lib import tokens
from app.realtime.services import format_sse, parse_last_event_id


def test_an_sse_message_has_id_event_and_one_data_line():
    text = format_sse(42, "member.invited", {"summary": "Ayşe davet etti\nikinci satır"})
    lines = text.split("\n")
    assert lines[:2] == ["id: 42", "event: member.invited"]
    assert json.loads(lines[2].removeprefix("data: "))["summary"].endswith("ikinci satır")
    assert text.endswith("\n\n") and text.count("\n") == 4


@pytest.mark.parametrize(("raw", "expected"), [("17", 17), (" 9 ", 9), ("", None), ("abc", None), (None, None)])
def test_last_event_id_parsing(raw, expected):
    assert parse_last_event_id(raw) == expected


def test_tokens_are_signed_per_purpose_and_expire():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k"
    with app.app_context():
        token = tokens.make("invitation", {"i": 5})
        assert tokens.read("invitation", token, 60) == {"i": 5}
        assert tokens.read("password-reset", token, 60) is None
        assert tokens.read("invitation", token + "x", 60) is None
        assert tokens.read("invitation", token, -1) is None
