"""WSGI entry point (gunicorn jlis_commitments.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jlis_commitments.settings")

application = get_wsgi_application()
