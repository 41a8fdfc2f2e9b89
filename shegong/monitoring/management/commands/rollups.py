"""``shegong rollups rebuild [--under CODE] [--year YEAR ...]``: recount the dashboards' figures."""

import time

from django.core.management.base import BaseCommand, CommandError

from shegong.monitoring import rollups
from shegong.regions.models import Region


class Command(BaseCommand):
    help = "重算看板与报告所用的汇总数 / Recount the figures dashboards and reports read (rollups)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="从记录重算 / recount from the records")
        rebuild.add_argument("--under", default="", help="区划代码（省、市、县）/ region code (province, city, county)")
        rebuild.add_argument("--year", type=int, action="append", help="年份，可重复 / year, may repeat")

    def handle(self, *args, action, under="", year=None, **options):
        under = (under or "").strip()
        if under and not Region.objects.filter(code=under).exists():
            raise CommandError(f"区划代码 {under} 不存在 / no region with code {under}")
        if len(under) > 6:
            raise CommandError("请给出县级或以上的区划代码 / give a county code or wider")
        start = time.perf_counter()
        written = rollups.rebuild(under, year, out=self.stdout.write)
        self.stdout.write(f"完成：{written} 行，用时 {time.perf_counter() - start:.1f} 秒 / done: {written} rows in "
                          f"{time.perf_counter() - start:.1f} s")
