"""Every line a Sacrum server writes is one JSON object, and no capability token leaks.

A real `sacrum serve` (gunicorn, 2 workers) is asked for a page, a missing page, a
page with a query string, and every URL whose route carries a token (found by walking
the URLconf, so a new token route is covered without touching this test), by GET and
by POST. Then all it wrote (stdout and stderr, start to shutdown) is read back.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import live_server

# Route parameters that carry a capability: our links' token, allauth's keys.
TOKEN_PARAMETERS = {"token", "key", "uidb36"}
ACCESS_FIELDS = {"request_id", "method", "path", "status", "duration_ms"}


def _token_urls() -> list[tuple[str, str]]:
    """(url, raw token) for every route with a token parameter, each with a fresh token."""
    urls: list[tuple[str, str]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                groups = set(entry.pattern.regex.groupindex)
                if groups & TOKEN_PARAMETERS:
                    token = secrets.token_urlsafe(32)
                    kwargs = {group: token for group in groups}
                    if "uidb36" in kwargs:
                        kwargs["uidb36"] = "4"
                    urls.append((reverse(namespace + entry.name, kwargs=kwargs), token))

    walk(get_resolver().url_patterns, "")
    return urls


def test_every_line_is_json_with_tokens_masked_and_no_query_strings(
    transactional_db: Any, tmp_path: Path
) -> None:
    env = live_server.server_env(tmp_path)
    port = live_server.free_port()
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(live_server.BIN / "sacrum"), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=live_server.ROOT,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    token_urls = _token_urls()
    secret_query = secrets.token_hex(8)
    try:
        live_server.wait_until_up(base, process)
        live_server.request(base + "/no-such-page/")
        live_server.request(f"{base}/calendar/?q={secret_query}&date=2026-01-01")
        for url, _token in token_urls:
            live_server.request(base + url)
            live_server.request(base + url, method="POST", body={})
    finally:
        live_server.stop(process)

    assert len(token_urls) >= 12, token_urls  # our links and allauth's keys
    assert stdout.read_text() == "", "serve writes its log, not prose, and only to stderr"
    output = stderr.read_text()
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one object
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line["message"].startswith("Booting worker") for line in lines)

    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert all(line.keys() >= ACCESS_FIELDS for line in access), access
    assert len({line["request_id"] for line in access}) == len(access)
    assert {"method": "GET", "path": "/no-such-page/", "status": 404} in [
        {key: line[key] for key in ("method", "path", "status")} for line in access
    ]
    not_found = [line for line in lines if line["message"] == "Not Found: /no-such-page/"]
    assert not_found and not_found[0]["request_id"] in {line["request_id"] for line in access}

    assert secret_query not in output and "?q=" not in output
    leaked = [url for url, token in token_urls if token in output]
    assert leaked == [], f"raw tokens in the log for {leaked}"
    assert "/intake/[token]/" in output and "/calendar-feeds/[token].ics" in output


def test_worker_writes_json_lines_only(transactional_db: Any, tmp_path: Path) -> None:
    env = live_server.server_env(tmp_path)
    done = subprocess.run(
        [str(live_server.BIN / "sacrum"), "worker", "--batch", "--no-startup-delay"],
        env=env,
        cwd=live_server.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in (done.stdout + done.stderr).splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
