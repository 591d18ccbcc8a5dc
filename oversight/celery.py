"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

app = Celery("oversight")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each installed app's `tasks` module, and those of the parts of metrics.
app.autodiscover_tasks()
app.autodiscover_tasks(["metrics.calculation"])
