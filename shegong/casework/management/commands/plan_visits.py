"""shegong plan_visits [--region CODE] [--on DATE] [--enqueue]: plan home visits from the profile's rules."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from shegong.casework.tasks import plan_visits
from shegong.regions.models import Region


class Command(BaseCommand):
    help = "按政策配置生成入户走访计划 / Plan home visits from the rules of the policy profiles."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="region code (a county, a township …); everywhere when left out")
        parser.add_argument("--on", default="", help="planning day, YYYY-MM-DD (default: today)")
        parser.add_argument("--enqueue", action="store_true", help="queue it for a worker instead of running now")

    def handle(self, *args, region, on, enqueue, **options):
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"未知的区划代码 / unknown region code: {region}")
        if on:
            try:
                date.fromisoformat(on)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: {on}") from None
        if enqueue:
            result = plan_visits.enqueue(region, on or None)
            self.stdout.write(f"已排队 / queued: {result.id}")
            return
        counts = plan_visits.call(region, on or None)
        self.stdout.write(
            f"新计划 {counts['planned']}，提前 {counts['updated']}，已完成 {counts['closed']}，已取消 {counts['cancelled']} / "
            f"planned {counts['planned']}, brought forward {counts['updated']}, done {counts['closed']}, cancelled {counts['cancelled']}"
        )
