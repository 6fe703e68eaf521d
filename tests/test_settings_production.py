"""Production mode, checked in fresh interpreters: strict settings, fail-fast on bad config,
and the security headers a browser actually receives."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HOST = "clinic.example.org"

PAGE_PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.test import Client

http = Client(HTTP_HOST="clinic.example.org")
page = http.get("/accounts/login/", secure=True)
plain = http.get("/accounts/login/")
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "cookies": {
        name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
        for name, c in page.cookies.items()
    },
    "html": page.content.decode(),
    "plain": [plain.status_code, plain.headers.get("Location")],
    "settings": {
        name: getattr(settings, name)
        for name in (
            "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
            "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "PASSWORD_HASHERS", "EMAIL_BACKEND",
        )
    },
}))
"""


def strong_secret() -> str:
    return secrets.token_urlsafe(64)


def run(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python with only the settings given here (nothing from the test run leaks in)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SACRUM_", "DJANGO_")) and k != "DATABASE_URL"
    }
    base.update(
        DJANGO_SETTINGS_MODULE="sacrum.settings",
        SACRUM_ENV="production",
        SACRUM_DATA_DIR=str(tmp_path),
        PYTHONWARNINGS="ignore",
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean_with_a_strong_secret_and_hosts(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        SACRUM_SECRET_KEY=strong_secret(),
        SACRUM_ALLOWED_HOSTS=HOST,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SACRUM_ALLOWED_HOSTS": HOST}, "SACRUM_SECRET_KEY must be set"),
        ({"SACRUM_SECRET_KEY": "", "SACRUM_ALLOWED_HOSTS": HOST}, "SACRUM_SECRET_KEY must be set"),
        (
            {"SACRUM_SECRET_KEY": "short-but-sweet", "SACRUM_ALLOWED_HOSTS": HOST},
            "at least 50 characters",
        ),
        ({"SACRUM_SECRET_KEY": "ab" * 40, "SACRUM_ALLOWED_HOSTS": HOST}, "SACRUM_SECRET_KEY"),
        ({"SACRUM_SECRET_KEY": "STRONG"}, "SACRUM_ALLOWED_HOSTS must list"),
        (
            {"SACRUM_SECRET_KEY": "STRONG", "SACRUM_ALLOWED_HOSTS": HOST, "SACRUM_DEBUG": "true"},
            "SACRUM_DEBUG cannot be on in production",
        ),
    ],
    ids=["no-secret", "empty-secret", "short-secret", "repetitive-secret", "no-hosts", "debug"],
)
def test_bad_production_config_refuses_to_start(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    env = {k: strong_secret() if v == "STRONG" else v for k, v in env.items()}
    result = run(tmp_path, ["-m", "django", "check"], **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr, result.stderr[-2000:]


@pytest.fixture(scope="module")
def production_page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("production")
    result = run(
        tmp_path,
        ["-c", PAGE_PROBE],
        SACRUM_SECRET_KEY=strong_secret(),
        SACRUM_ALLOWED_HOSTS=HOST,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def csp_directives(header: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for parts in (d.split() for d in header.split(";") if d.strip())}


def assert_strict_csp(header: str | None) -> None:
    assert header, "no Content-Security-Policy header"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert "*" not in header.replace("'", " ").split()
    policy = csp_directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def assert_no_inline_code(html: str) -> None:
    """What a strict CSP would block: inline scripts, style blocks, style and on* attributes."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html, "inline <style>"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_production_pages_carry_a_strict_csp_and_hsts(production_page: dict[str, Any]) -> None:
    assert production_page["status"] == 200
    headers = {k.lower(): v for k, v in production_page["headers"].items()}
    assert_strict_csp(headers.get("content-security-policy"))
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert_no_inline_code(production_page["html"])


def test_production_cookies_are_secure_and_http_redirects(
    production_page: dict[str, Any],
) -> None:
    csrf = production_page["cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    configured = production_page["settings"]
    assert configured["SESSION_COOKIE_SECURE"] is True
    assert configured["SESSION_COOKIE_HTTPONLY"] is True
    assert configured["CSRF_COOKIE_SECURE"] is True
    assert configured["DEBUG"] is False
    assert "MD5" not in " ".join(configured["PASSWORD_HASHERS"])
    assert configured["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert production_page["plain"] == [301, f"https://{HOST}/accounts/login/"]


HEALTH_PROBE = """
import json
import django

django.setup()
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
http = Client(HTTP_HOST="clinic.example.org")
health = http.get("/healthz")
page = http.get("/")
print(json.dumps({
    "health": [health.status_code, health.headers.get("Location"), health.content.decode()],
    "page": [page.status_code, page.headers.get("Location")],
}))
"""


def test_a_load_balancer_checks_health_over_plain_http_in_production(tmp_path: Path) -> None:
    """/healthz is exempt from the HTTPS redirect (it holds no data); every page still redirects."""
    result = run(
        tmp_path, ["-c", HEALTH_PROBE], SACRUM_SECRET_KEY=strong_secret(), SACRUM_ALLOWED_HOSTS=HOST
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    status, location, body = probe["health"]
    assert (status, location) == (200, None), probe
    assert json.loads(body)["status"] == "ok"
    assert probe["page"] == [301, f"https://{HOST}/"]


def test_the_csp_is_strict_in_every_mode(client: Any, db: Any) -> None:
    """Same policy in development and tests, so inline code breaks before it ships."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_strict_csp(response.headers.get("Content-Security-Policy"))
    assert_no_inline_code(response.content.decode())
