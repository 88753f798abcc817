"""Composition root of the todo platform: settings, root URLs, the Celery app, WSGI/ASGI entry points."""

from todo_project.celery import app as celery_app

__all__ = ("celery_app",)
