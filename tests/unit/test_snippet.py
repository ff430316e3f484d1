"""The tracking snippet as served: small, minified, cacheable, still complete."""

import shutil
import subprocess

import pytest

from app.tracking import snippet

BUDGET = 3 * 1024  # gzipped bytes; it runs on every page of our customers' sites


def test_it_stays_within_the_size_budget():
    size = snippet.gzipped_size()
    print(f"\nt.js: {len(snippet.script_bytes())} bytes minified, {size} bytes gzipped (budget {BUDGET})")
    assert size <= BUDGET


def test_it_is_minified_without_losing_the_public_api():
    script = snippet.script_bytes().decode()
    assert len(script) < snippet.SOURCE.stat().st_size * 0.75
    assert "/*" not in script and "\n  " not in script  # comments and indentation are gone
    for needed in ("w.kervan=api", '"event"', '"consent"', "/t/collect", "data-kervan-form", "sendBeacon"):
        assert needed in script
    for key in ("kv_vid", "kv_s", "kv_consent", "kv_q"):
        assert f'"{key}"' in script
    assert 'credentials:"omit"' in script and '"Content-Type":"text/plain"' in script


def test_it_is_minified_once_per_process():
    assert snippet.script_bytes() is snippet.script_bytes()


def test_the_etag_is_a_fingerprint_of_the_bytes_ready_for_set_etag():
    from flask import Response

    tag = snippet.etag()
    assert len(tag) == 20 and tag == snippet.etag()
    response = Response(snippet.script_bytes())
    response.set_etag(tag)  # werkzeug quotes it and refuses an already quoted value
    assert response.headers["ETag"] == f'"{tag}"'


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_minified_script_still_parses(tmp_path):
    path = tmp_path / "t.min.js"
    path.write_bytes(snippet.script_bytes())
    result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
