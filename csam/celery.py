"""The Celery application: settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery

from csam.observability.celery import connect as connect_observability

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csam.settings")

app = Celery("csam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Logging, request ids in task headers, task metrics (csam/observability/celery.py).
connect_observability(app)
