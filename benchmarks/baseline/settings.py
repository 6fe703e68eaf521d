"""Bare settings: no middleware, one app, the same database settings as Sacrum's.

The database comes from ``DATABASE_URL`` exactly as Sacrum reads it, with Sacrum's SQLite
options (WAL, synchronous=FULL, IMMEDIATE transactions), so the only difference between the
two servers in a run is the application itself.
"""

from __future__ import annotations

import os

import dj_database_url

SECRET_KEY = "bare-baseline-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["benchmarks.baseline"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "benchmarks.baseline.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
