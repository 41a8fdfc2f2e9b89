"""This app's part of ``shegong demo``: reports written, returned and approved through the services.

Called after the rollups are recounted (the figures come from them). Relative to today: the
operator's report of three months ago returned by the county bureau with a comment, two months ago
approved, last month submitted and awaiting review, and the county's report of the last quarter
still a draft. Idempotent: nothing is added when the county has reports already.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shegong.monitoring.periods import Period

log = logging.getLogger(__name__)


def _months_back(today: date, n: int) -> Period:
    index = today.year * 12 + today.month - 1 - n
    return Period.month(index // 12, index % 12 + 1)


def _person(role: str, code: str, operator=None):
    from shegong.accounts.models import RoleAssignment

    qs = RoleAssignment.objects.filter(role=role, region_id=code, user__is_active=True)
    if operator is not None:
        qs = qs.filter(operator=operator)
    assignment = qs.select_related("user").order_by("user__username").first()
    return assignment.user if assignment else None


def _monthly_text(snap: dict, period: Period) -> dict:
    series = snap.get("series") or {}

    def total(key):
        return int(sum(float(v) for v in series.get(key, []) or [0]))

    figures = {f["key"]: f for f in snap.get("figures") or []}
    lagging = [f["label"] for f in figures.values() if f.get("status") == "lagging"]
    month = period.start.month
    return {
        "summary": (
            f"{month}月，项目覆盖的{snap.get('stations', 0)}个社工站按照服务清单开展工作：入户走访{total('visits')}次，"
            f"新登记服务对象{total('registered')}人，新开个案{total('cases_opened')}个，开展社区活动{total('activities')}次、"
            f"政策宣传{total('publicity')}次。各站坚持“一人一档”，走访记录均已录入系统。"
        ),
        "highlights": (
            "1. 聚焦低保、特困、残疾人等重点对象，走访中发现的需求均已登记并跟进。\n"
            "2. 联合镇卫生院开展老年人健康义诊，链接志愿者参与服务。\n"
            "3. 督导对在案个案进行了逐一检查，个案记录规范性明显提升。"
        ),
        "problems": (
            ("以下指标进度滞后：" + "、".join(lagging) + "。" if lagging else "各项指标进度正常。")
            + "\n部分村（社区）服务对象居住分散，入户走访耗时较长。"
        ),
        "next_steps": (
            "1. 按走访计划优先走访新纳入对象，确保新对象走访全覆盖。\n"
            "2. 组织社工参加县民政局举办的业务培训，补足培训时长。\n"
            "3. 筹备下月“邻里守望”主题小组活动。"
        ),
    }


def build(*, county, today: date | None = None) -> None:
    from shegong.contracts.models import Contract

    from . import services
    from .alerts import complete_periods
    from .models import Kind, Report

    today = today or timezone.localdate()
    if Report.objects.filter(region=county).exists():
        return
    contract = (Contract.objects.filter(purchaser_region=county, status=Contract.Status.ACTIVE)
                .select_related("operator").order_by("-period_start").first())
    bureau = _person("bureau", county.code)
    manager = _person("operator_manager", county.code, contract.operator if contract else None) if contract else None
    with transaction.atomic():
        if contract and manager and bureau:
            plan = [(3, "return"), (2, "approve"), (1, "submit")]
            for back, step in plan:
                period = _months_back(today, back)
                try:
                    report = services.create_report(actor=manager, period=period, contract=contract)
                except ValidationError as exc:  # the contract does not cover that month
                    log.info("demo report for %s skipped: %s", period.key, exc.messages)
                    continue
                texts = _monthly_text(report.snapshot, period)
                report = services.update_narrative(actor=manager, report=report, expected_version=report.version, **texts)
                report = services.submit(actor=manager, report=report)
                if step == "return":
                    services.return_report(
                        actor=bureau, report=report,
                        comment="请补充培训时长不足的原因及整改措施；新纳入对象的走访覆盖率偏低，请在“下阶段计划”中写明完成时限。",
                    )
                elif step == "approve":
                    services.approve(actor=bureau, report=report, comment="数据与台账一致，同意。")
        quarter = complete_periods(Kind.QUARTERLY, today, 1)[0]
        if bureau:
            try:
                report = services.create_report(actor=bureau, period=quarter, region=county)
            except ValidationError as exc:
                log.info("demo quarterly report skipped: %s", exc.messages)
            else:
                services.update_narrative(
                    actor=bureau, report=report, expected_version=report.version,
                    summary=(f"本季度全市{report.snapshot.get('stations', 0)}个乡镇（街道）社工站运行正常，承接主体按月报送工作月报，"
                             "县民政局对月报逐一审核。"),
                    problems="个别站点督导时长不足，已要求承接主体整改。",
                    next_steps=f"{(quarter.end + timedelta(days=1)).year}年下一季度重点推进社工持证上岗和站点“八有”达标。",
                )
