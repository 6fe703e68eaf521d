"""WSGI entry point (gunicorn serves this behind `sacrum serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
application = get_wsgi_application()
