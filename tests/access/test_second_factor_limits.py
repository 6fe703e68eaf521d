"""Guessing the second factor: a per-account limit in the shared cache, whatever the address.

The clock is frozen (time-machine) so the codes are known and the window can be passed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient

from sacrum.scheduling import ratelimit
from tests.access.signin import AUTHENTICATE, code_now, give_totp, password_step, wrong_code
from tests.conftest import Persona
from tests.test_settings_production import run

START = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)
TOO_MANY = b"Too many failed login attempts"
INCORRECT = b"Incorrect code"


def from_address(number: int) -> HttpClient:
    """A client that comes from its own address (as a distributed guesser would)."""
    return HttpClient(REMOTE_ADDR=f"203.0.113.{number}")


def test_wrong_codes_lock_the_second_factor_until_the_window_passes(
    practitioner: Persona,
) -> None:
    user = practitioner.user
    limit = settings.LOGIN_FAILURE_LIMIT
    with time_machine.travel(START, tick=False) as clock:
        secret = give_totp(user)
        answers = []
        for attempt in range(limit + 3):
            http = from_address(attempt)  # a fresh sign-in from a new address each time
            password_step(http, user)
            response = http.post(AUTHENTICATE, {"code": wrong_code(secret)})
            answers.append(INCORRECT if INCORRECT in response.content else TOO_MANY)
            assert TOO_MANY in response.content or INCORRECT in response.content
        assert answers == [INCORRECT] * limit + [TOO_MANY] * 3

        # Over the limit even the right code is refused, and nobody is signed in.
        http = from_address(200)
        password_step(http, user)
        response = http.post(AUTHENTICATE, {"code": code_now(secret)})
        assert response.status_code == 200
        assert TOO_MANY in response.content
        assert "_auth_user_id" not in http.session

        clock.move_to(START + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS - 30))
        response = http.post(AUTHENTICATE, {"code": code_now(secret)})
        assert TOO_MANY in response.content  # still inside the window

        clock.move_to(START + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
        http = from_address(201)
        password_step(http, user)
        response = http.post(AUTHENTICATE, {"code": code_now(secret)})
        assert response.status_code == 302
        assert http.session["_auth_user_id"] == str(user.pk)


def test_the_limit_is_per_account(practitioner: Persona, front_desk: Persona) -> None:
    with time_machine.travel(START, tick=False):
        pat_secret, fran_secret = give_totp(practitioner.user), give_totp(front_desk.user)
        for attempt in range(settings.LOGIN_FAILURE_LIMIT):
            http = from_address(attempt)
            password_step(http, practitioner.user)
            http.post(AUTHENTICATE, {"code": wrong_code(pat_secret)})
        http = from_address(1)  # a colleague on an address the guesser also used
        password_step(http, front_desk.user)
        response = http.post(AUTHENTICATE, {"code": code_now(fran_secret)})
        assert response.status_code == 302


def test_every_rate_limit_counts_in_the_database_cache_table(db: Any) -> None:
    """Sign-in limits (allauth) and online-booking limits both land in one shared table."""
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    table = connection.ops.quote_name(str(settings.CACHES["default"]["LOCATION"]))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        before = cursor.fetchone()[0]
        ratelimit.hit(ratelimit.Limit("probe", 5, 60), "203.0.113.9")
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == before + 1


CACHE_PROBE = (
    "import json, django\n"
    "django.setup()\n"
    "from django.conf import settings\n"
    "print(json.dumps(settings.CACHES['default']))\n"
)


def test_sacrum_cache_url_chooses_redis_and_refuses_anything_else(tmp_path: Path) -> None:
    env = {"SACRUM_ENV": "development"}
    default = run(tmp_path, ["-c", CACHE_PROBE], **env)
    assert default.returncode == 0, default.stderr[-2000:]
    assert json.loads(default.stdout.splitlines()[-1])["LOCATION"] == "sacrum_cache"

    url = "redis://cache.internal:6379/2"
    redis = run(tmp_path, ["-c", CACHE_PROBE], SACRUM_CACHE_URL=url, **env)
    assert redis.returncode == 0, redis.stderr[-2000:]
    chosen = json.loads(redis.stdout.splitlines()[-1])
    assert chosen["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert chosen["LOCATION"] == url

    bad = run(tmp_path, ["-c", CACHE_PROBE], SACRUM_CACHE_URL="memcached://x:11211", **env)
    assert bad.returncode != 0
    assert "SACRUM_CACHE_URL must be a Redis URL" in bad.stderr
