"""This app's part of ``shegong demo``."""

from datetime import date, timedelta
from decimal import Decimal

from shegong.policies.selectors import policy_for

from .compliance import add_years
from .models import Session, SocialWorker
from .services import session_create, worker_create

NAMES = ["王丽", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄娟", "周婷", "吴刚", "徐慧", "孙杰"]


def build(*, county, operator, stations, today) -> None:
    """Add believable demo data for this app (called by ``shegong demo``; must be idempotent):
    three workers per station, some certified, one whose certificate deadline falls within six
    months, and a training and a supervision session."""
    workers = []
    names = iter(NAMES * 10)
    for s_index, station in enumerate(stations):
        for w_index in range(3):
            name = next(names)
            existing = SocialWorker.objects.filter(name=name, employer=operator, assignments__station=station).first()
            if existing:
                workers.append(existing)
                continue
            certified = w_index == 0
            took = date(today.year - 1 - w_index, 3, 1)
            if s_index == 0 and w_index == 2:
                # Deadline four months away, so the file shows "due soon".
                years = policy_for(station.region_id, today).get("certificate_deadline_years") or 3
                deadline = today + timedelta(days=120)
                took = add_years(deadline, -years)
            workers.append(
                worker_create(
                    actor=None, employer=operator, station=station, name=name,
                    sex="female" if w_index % 2 == 0 else "male", birth_date=date(1990 + w_index, 5, 12),
                    education=["bachelor", "college", "master"][w_index], major="社会工作" if w_index != 1 else "行政管理",
                    is_social_work_major=w_index != 1,
                    certificate_level="assistant" if certified else "none",
                    certificate_number=f"ZL{today.year}{s_index:03d}{w_index}" if certified else "",
                    certificate_date=date(today.year - 1, 11, 1) if certified else None,
                    took_post_on=took, has_labour_contract=True, contract_start=took,
                    contract_end=add_years(took, 3), has_social_insurance=True,
                    monthly_salary=Decimal("4200") + 300 * w_index, phone=f"1390412{s_index:02d}{w_index:02d}",
                )
            )
    if not workers:
        return
    for kind, topic, provider, hours, when in (
        ("training", "个案工作实务与记录规范", "海城市民政局", Decimal("16"), today.replace(month=3, day=15)),
        ("supervision", "困境儿童个案督导", "辽宁省社会工作督导中心", Decimal("6"), today.replace(month=4, day=20)),
    ):
        if when > today:
            when = today
        if not Session.objects.filter(topic=topic, date=when, region=county).exists():
            session_create(
                actor=None, kind=kind, date=when, hours=hours, provider=provider, topic=topic,
                region=county, operator=operator, attendees=workers,
            )
