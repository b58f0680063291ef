"""WSGI entry point (gunicorn govapp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
application = get_wsgi_application()
