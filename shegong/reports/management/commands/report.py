"""shegong report: the files of a periodic report, with the figures of today (nothing is saved).

    shegong report monthly   --county 210381 --month 2026-10 [--operator ID] [--out DIR] [--pdf]
    shegong report quarterly --county 210381 --quarter 2026-Q3
    shegong report half-year --county 210381 --half 2026-H1
    shegong report annual    --county 210381 --year 2026

Without ``--operator`` the report is the county's own (its scorecard); with it, the operator's
report for its contract in the county. Writes the .xlsx and .docx (and the .pdf with ``--pdf``) to
DIR (default: the current folder) and prints their paths.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from shegong.monitoring.periods import Period

KINDS = {
    "monthly": ("month", r"\d{4}-\d{1,2}", "2026-10"),
    "quarterly": ("quarter", r"\d{4}-[Qq][1-4]", "2026-Q3"),
    "half-year": ("half", r"\d{4}-[Hh][12]", "2026-H1"),
    "annual": ("year", r"\d{4}", "2026"),
}


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class Command(BaseCommand):
    help = "生成定期报告文件（实时数据） / Write the files of a periodic report with today's figures."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, title="kind",
                                    help="monthly | quarterly | half-year | annual")
        for kind, (option, _pattern, example) in KINDS.items():
            p = sub.add_parser(kind, help=f"{kind} report, e.g. --{option} {example}")
            p.add_argument("--county", required=True, help="county code (half-year and annual: county or city), e.g. 210381")
            p.add_argument(f"--{option}", required=True, dest="period", help=f"the period, e.g. {example}")
            p.add_argument("--operator", type=int, help="operator id: the operator's report for its contract in the county")
            p.add_argument("--out", default=".", help="folder to write the files to (default: the current folder)")
            p.add_argument("--pdf", action="store_true", help="write the PDF too")

    def handle(self, *args, kind, county, period, operator, out, pdf, **options):
        from shegong.contracts.models import Contract
        from shegong.regions.models import Region
        from shegong.reports import files, services, snapshot
        from shegong.stations.models import Operator

        option, pattern, example = KINDS[kind]
        if not re.fullmatch(pattern, period.strip()):
            raise CommandError(f"报告期“{period}”格式不对，应为 {example} / “{period}” is not a {option}: write it like {example}.")
        try:
            the_period = Period.parse(period)
        except ValidationError as exc:
            raise CommandError(f"报告期不正确 / bad period: {_messages(exc)}") from None
        region = Region.objects.filter(code=county.strip()).first()
        if region is None:
            raise CommandError(f"没有代码为 {county} 的行政区划 / no region has the code {county}.")
        contract = None
        if operator is not None:
            org = Operator.objects.filter(pk=operator).first()
            if org is None:
                raise CommandError(f"没有编号为 {operator} 的承接主体 / no operator has the id {operator}.")
            contract = (
                Contract.objects.filter(operator=org, purchaser_region=region)
                .exclude(status=Contract.Status.DRAFT)
                .filter(Q(period_start__lte=the_period.end) & Q(period_end__gte=the_period.start))
                .order_by("-period_start").first()
            )
            if contract is None:
                raise CommandError(f"{org.name}在{region.name}没有覆盖该报告期的购买服务合同 / "
                                   f"{org.name} holds no contract of {region.name} covering {the_period.key}.")
        try:
            report = services.new_report(period=the_period, contract=contract, region=None if contract else region)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None
        report.snapshot = snapshot.take(kind=report.kind, region=region, period=the_period, contract=contract)
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"无法创建输出目录 / cannot create the folder {folder}: {exc}") from None
        written = []
        for fmt in ("xlsx", "docx", *(["pdf"] if pdf else [])):
            try:
                data = files.build(report, fmt)
            except files.PdfUnavailable as exc:
                raise CommandError(str(exc)) from None
            path = folder / files.filename(report, fmt)
            path.write_bytes(data)
            written.append(path)
        self.stdout.write(f"{report.title}（数据截至 {report.snapshot.get('as_of')} / figures as of {report.snapshot.get('as_of')}）")
        for path in written:
            self.stdout.write(str(path.resolve()))
