"""WSGI entry of the bare baseline (gunicorn benchmarks.baseline.wsgi)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.baseline.settings")
application = get_wsgi_application()
