"""This app's home visits for ``shegong demo``: the visit rules of 海城市's profile, about two years
of believable visits by the demo workers in the demo townships, then the visit plans (some overdue).

Visits go through ``services_visits.record_visit`` as the worker who went, so plans, timelines and
the audit log are exactly as in use. Deterministic (fixed seed) and idempotent (a township that
already has visits is left alone).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from shegong.policies.models import PolicyProfile
from shegong.policies.services import version_add
from shegong.recipients.models import ACTIVE_STATUSES, FollowUpLevel, Recipient

from . import catalogue, planning, services_visits
from .models import Condition, FollowUp, Risk, Visit, VisitOutcome

COUNTY = "210381"
VISIT_RULES = {
    "visit_new_within_days": 15,
    "visit_every_days_high_risk": 7,
    "visit_every_days_key": 30,
    "visit_every_days_general": 90,
}
# Demo workers per township (by position among the county's townships).
WORKERS = {0: ("hz_worker", "hz_worker2", "hz_lead"), 1: ("xh_worker",)}
# Roughly how often (days) the demo workers actually went, per follow-up level: a little less
# often than the rules ask, so that the plans show some overdue visits.
GAPS = {FollowUpLevel.HIGH_RISK: (5, 9), FollowUpLevel.KEY: (22, 34), FollowUpLevel.GENERAL: (60, 100)}
HISTORY_DAYS = 730

FINDINGS = {
    Condition.GOOD: ["屋内整洁，取暖正常，老人精神状态较好", "家中米面油充足，水电正常", "孩子按时上学，作业有家长检查"],
    Condition.FAIR: ["房屋较旧但能居住，冬季取暖依靠小煤炉", "慢性病按时服药，但对复诊时间记不清", "收入主要靠低保金，日常开支偏紧"],
    Condition.POOR: ["屋顶有漏雨痕迹，墙体有裂缝", "血压控制不好，近期未去卫生院复查", "家中无人照料，饭菜多为剩饭"],
}
NEEDS = ["希望协助办理残疾人两项补贴", "需要冬季取暖补助", "希望有志愿者定期上门陪伴聊天", "孩子需要课业辅导",
         "希望了解临时救助申请流程", "需要联系家庭医生上门随访", ""]
NOTES = ["下次走访带去补贴申请表", "已告知村委会关注", "与子女电话沟通，约定每周联系一次", ""]


def ensure_rules(today: date) -> None:
    """Give 海城市's profile the visit intervals (a new version, only when they are not set yet)."""
    profile = PolicyProfile.objects.filter(region_id=COUNTY).first()
    if profile is None:
        return
    latest = profile.versions.order_by("-number").first()
    current = dict(latest.values) if latest else {}
    if all(key in current for key in VISIT_RULES):
        return
    valid_from = latest.valid_from if latest else today.replace(month=1, day=1)
    version_add(
        actor=None, profile=profile, valid_from=valid_from, values={**current, **VISIT_RULES},
        note="入户走访频次：新对象 15 日内首访，高风险每周、重点每月、一般每季度（演示数据）",
    )


def _conditions(rng: random.Random, level: str) -> dict:
    weights = {FollowUpLevel.HIGH_RISK: (2, 4, 4), FollowUpLevel.KEY: (4, 4, 2)}.get(level, (7, 3, 1))
    values = {}
    for name in services_visits.CONDITION_FIELDS:
        values[name] = rng.choices([Condition.GOOD, Condition.FAIR, Condition.POOR], weights)[0]
    return values


def _visit_fields(rng: random.Random, person: Recipient, items: list[int]) -> dict:
    outcome = rng.choices(
        [VisitOutcome.AT_HOME, VisitOutcome.ABSENT, VisitOutcome.REFUSED, VisitOutcome.VACANT], [86, 10, 3, 1]
    )[0]
    fields = {"outcome": outcome}
    if outcome != VisitOutcome.AT_HOME:
        fields["findings"] = {
            VisitOutcome.ABSENT: "敲门无人应答，邻居说老人去女儿家了",
            VisitOutcome.REFUSED: "家属表示近期不方便，婉拒入户，已留联系方式",
            VisitOutcome.VACANT: "院门上锁，屋内无人居住迹象",
        }[outcome]
        return fields
    conditions = _conditions(rng, person.follow_up_level)
    worst = Condition.POOR if Condition.POOR in conditions.values() else (
        Condition.FAIR if Condition.FAIR in conditions.values() else Condition.GOOD)
    fields.update(conditions)
    fields["findings"] = "；".join(rng.sample(FINDINGS[worst], 2))
    fields["needs_found"] = rng.choice(NEEDS)
    if worst == Condition.POOR and rng.random() < 0.5:
        fields["risks"] = rng.sample([Risk.UNSAFE_HOUSING, Risk.UNTREATED_ILLNESS, Risk.NO_CAREGIVER, Risk.INCOME_LOST], 1)
        fields["follow_ups"] = rng.sample([FollowUp.UPDATE_NEEDS, FollowUp.REFERRAL, FollowUp.VISIT_AGAIN], 1)
        fields["follow_up_note"] = rng.choice(NOTES)
    if items:
        fields["items"] = rng.sample(items, min(len(items), rng.randint(1, 2)))
    return fields


def _days_for(rng: random.Random, person: Recipient, start: date, today: date) -> list[date]:
    low, high = GAPS.get(person.follow_up_level, GAPS[FollowUpLevel.GENERAL])
    history = {FollowUpLevel.HIGH_RISK: rng.randint(60, 120), FollowUpLevel.KEY: rng.randint(240, 400)}.get(
        person.follow_up_level, HISTORY_DAYS)
    day = max(start, today - timedelta(days=history)) + timedelta(days=rng.randint(3, 20))
    days = []
    while day < today:
        days.append(day)
        day += timedelta(days=rng.randint(low, high))
    if days and rng.random() < 0.2:  # some people were not visited lately: their plan is overdue
        days = days[:-1]
    return days


@transaction.atomic
def build(*, townships, today: date) -> None:
    ensure_rules(today)
    rng = random.Random(2103811)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[n for names in WORKERS.values() for n in names])}
    for index, township in enumerate(townships):
        workers = [users[n] for n in WORKERS.get(index, ()) if n in users]
        if not workers or Visit.objects.filter(region__code__under=township.code).exists():
            continue
        items = {}
        people = (
            Recipient.objects.filter(region__code__under=township.code, merged_into__isnull=True)
            .select_related("household").order_by("pk")
        )
        for person in people:
            if person.status not in ACTIVE_STATUSES:
                continue
            if person.status == "new" and rng.random() < 0.5:
                continue  # not visited yet: a first visit is planned
            if person.region_id not in items:
                items[person.region_id] = list(catalogue.items_for(person.region_id).values_list("pk", flat=True))
            registered = planning.registered_on(person)
            lead_worker = rng.choice(workers[:2] if len(workers) > 1 else workers)
            for day in _days_for(rng, person, registered, today):
                team = [lead_worker] + ([w for w in workers if w != lead_worker][:1] if rng.random() < 0.15 else [])
                services_visits.record_visit(
                    lead_worker, recipient=person, visited_on=day, workers=team,
                    **_visit_fields(rng, person, items[person.region_id]),
                )
    for township in townships:
        planning.plan_visits(township.code, today)
