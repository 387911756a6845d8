"""The Celery application; tasks are discovered in installed apps, settings prefixed CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jlis_commitments.settings")

app = Celery("jlis_commitments")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
