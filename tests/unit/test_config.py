import re
from pathlib import Path

import pytest

from app import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_it_accepts_the_database_url_forms_people_paste(raw, expected, tmp_path):
    assert config.database_uri(raw, tmp_path) == expected


def test_it_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    assert config.database_uri("", tmp_path) == f"sqlite:///{tmp_path / 'kervan.sqlite3'}"


def test_it_rejects_other_databases(tmp_path):
    with pytest.raises(config.ConfigError):
        config.database_uri("mysql://root@localhost/kervan", tmp_path)


def test_strict_helpers_refuse_nonsense():
    with pytest.raises(config.ConfigError, match="SECURE_COOKIES"):
        config.env_bool({"SECURE_COOKIES": "maybe"}, "SECURE_COOKIES", False)
    with pytest.raises(config.ConfigError, match="SMTP_PORT"):
        config.env_int({"SMTP_PORT": "twenty-five"}, "SMTP_PORT", 587)
    assert config.env_bool({"X": "Yes"}, "X", False) is True
    assert config.env_int({}, "X", 3) == 3


def test_the_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    first = config.secret_key({}, tmp_path)
    assert len(first) > 40 and config.secret_key({}, tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert config.secret_key({"SECRET_KEY": "from-env"}, tmp_path) == "from-env"


def test_redis_switches_jobs_and_limits_to_redis(tmp_path):
    settings = config.load({"REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path)
    assert settings["JOBS_MODE"] == "rq" and settings["RATELIMIT_STORAGE_URI"].startswith("redis://")
    embedded = config.load({}, tmp_path)
    assert embedded["JOBS_MODE"] == "thread" and embedded["RATELIMIT_STORAGE_URI"] == "memory://"


def test_env_example_lists_every_variable_the_config_reads():
    source = (ROOT / "app" / "config.py").read_text()
    read = set(re.findall(r'env_\w+\(env, "([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read == documented
