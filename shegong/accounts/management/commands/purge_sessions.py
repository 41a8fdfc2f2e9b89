"""shegong purge_sessions [--enqueue]: remove expired sessions (directly or through the task queue)."""

from django.core.management.base import BaseCommand

from shegong.accounts.tasks import sessions_purge


class Command(BaseCommand):
    help = "清理过期会话 / Remove expired sessions."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue it for a worker instead of running now")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            result = sessions_purge.enqueue()
            self.stdout.write(f"已排队 / queued: {result.id}")
            return
        counts = sessions_purge.call()
        self.stdout.write(f"已清理会话 {counts['sessions']} 个 / removed {counts['sessions']} sessions")
