"""ASGI entry point, for servers that want it (sync views run fastest under WSGI here)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
application = get_asgi_application()
