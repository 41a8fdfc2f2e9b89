"""shegong expire_imports [--days N] [--enqueue]: discard uploaded lists left unwritten, deleting their files."""

from django.core.management.base import BaseCommand

from shegong.recipients.tasks import STALE_AFTER_DAYS, imports_expire


class Command(BaseCommand):
    help = "清理长期未导入的名单文件 / Discard uploaded lists left unwritten, deleting their files."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=STALE_AFTER_DAYS, help="age in days (default %(default)s)")
        parser.add_argument("--enqueue", action="store_true", help="queue it for a worker instead of running now")

    def handle(self, *args, days, enqueue, **options):
        if enqueue:
            result = imports_expire.enqueue(days)
            self.stdout.write(f"已排队 / queued: {result.id}")
            return
        counts = imports_expire.call(days)
        self.stdout.write(f"已清理名单 {counts['expired']} 份 / discarded {counts['expired']} unwritten lists")
