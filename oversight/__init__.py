"""Oversight: the project package and the registry of overseen bodies."""

from oversight.celery import app as celery_app

__all__ = ["celery_app"]
