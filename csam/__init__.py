"""The CSAM portal project package."""

from csam.celery import app as celery_app

__all__ = ["celery_app"]
