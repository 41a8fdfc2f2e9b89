"""shegong worker: process background tasks from whichever queue this installation uses.

Without REDIS_URL the queue lives in the database (django-tasks-db's ``db_worker``); with it,
the queue is Redis (RQ, with django-tasks-rq's job class). ``--burst`` processes what is queued
and exits.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "处理后台任务 / Process background tasks (database queue, or Redis when REDIS_URL is set)."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="process what is queued, then exit")

    def handle(self, *args, burst, **options):
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
            extra = ["--burst"] if burst else []
            call_command("rqworker", "default", "--job-class", "django_tasks_rq.Job", *extra)
        else:
            extra = ["--batch"] if burst else []
            call_command("db_worker", "--no-startup-delay", *extra)
