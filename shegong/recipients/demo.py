"""This app's part of ``shegong demo``: believable recipients for the first townships of 海城市.

Every person is fictional: names drawn from common surnames and given names, ID numbers built
with a valid check digit on the county code 210381, mobile numbers in the 139-0000 test range.
Households of one to four members in the townships' real villages, categories in the rough
proportions of a northern county (低保 most, then 特困, 残疾, elderly living alone, left-behind
children), needs assessments (some overdue), a resource database per township, referrals, and
one pair of files for the duplicate review queue. Deterministic and idempotent.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from shegong.regions.models import Region

from . import idnumber, services
from .models import (
    CategoryMembership,
    FollowUpLevel,
    Household,
    NeedItem,
    NeedsAssessment,
    Recipient,
    Referral,
    Relation,
    Resource,
    SelfCare,
    Status,
    StatusChange,
    TimelineEntry,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_M = ["建国", "国庆", "志强", "德明", "玉林", "春生", "宝山", "长海", "振华", "永福", "文斌", "树林", "海涛", "宇轩", "浩然", "子涵", "俊杰", "明", "刚", "伟", "军", "勇", "磊"]
GIVEN_F = ["秀兰", "桂英", "淑珍", "玉兰", "凤霞", "秀英", "丽华", "春梅", "淑芬", "桂芝", "雨涵", "欣怡", "梓萱", "思琪", "丽", "静", "敏", "娟", "霞", "红"]
STREETS = ["胜利路", "解放街", "建设路", "和平街", "新华路", "人民路", "兴海路", "站前街"]

# (category, weight): a northern county's list, roughly.
CATEGORY_WEIGHTS = [
    ("dibao", 40), ("tekun", 12), ("disabled", 14), ("living_alone_elderly", 8), ("empty_nest_elderly", 6),
    ("disabled_elderly", 4), ("left_behind_child", 5), ("dibao_edge", 6), ("family_planning", 2),
    ("left_behind_elderly", 2), ("orphan", 1),
]

RESOURCES = [
    ("charity", "{t}慈善分会", "助学金、大病救助、节日慰问", ["living", "health", "education"]),
    ("volunteer_team", "{t}巾帼志愿服务队", "入户探访、陪伴聊天、代购代办", ["care", "psychological", "social"]),
    ("organisation", "{t}卫生院", "健康体检、慢病随访、家庭医生签约", ["health"]),
    ("facility", "{t}敬老院", "特困人员集中供养、短期托养", ["care", "housing"]),
    ("organisation", "{t}劳动保障所", "就业登记、技能培训、公益岗位", ["employment"]),
    ("volunteer_team", "{t}党员志愿服务队", "政策宣传、环境整治、应急帮扶", ["policy", "housing"]),
]

NEEDS = [
    ("health", "慢性病需定期随访和用药指导", "high"),
    ("care", "独居高龄，需要定期上门探访", "high"),
    ("living", "冬季取暖困难", "medium"),
    ("education", "孩子学习辅导和学业支持", "medium"),
    ("psychological", "丧偶后情绪低落，需要陪伴", "medium"),
    ("policy", "不了解残疾人两项补贴申请流程", "low"),
    ("housing", "房屋老旧，需危房鉴定", "high"),
    ("employment", "有劳动能力，希望找到就近工作", "low"),
]


def _name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + rng.choice(GIVEN_M if sex == "male" else GIVEN_F)


def _id(rng: random.Random, birth: date, sex: str, used: set) -> str:
    while True:
        seq = rng.randint(0, 499) * 2 + (1 if sex == "male" else 0)
        value = idnumber.with_check_digit(f"210381{birth:%Y%m%d}{seq:03d}")
        if value not in used:
            used.add(value)
            return value


def _birth(rng: random.Random, low: int, high: int, today: date) -> date:
    return today - timedelta(days=rng.randint(low * 365, high * 365))


def _categories(rng: random.Random, age: int) -> list[str]:
    picks = set()
    while not picks:
        for code, weight in CATEGORY_WEIGHTS:
            if rng.random() * 100 < weight:
                picks.add(code)
    if age < 16:
        picks -= {"living_alone_elderly", "empty_nest_elderly", "disabled_elderly", "left_behind_elderly", "tekun"}
        picks |= {"left_behind_child"} if rng.random() < 0.6 else {"dibao"}
    elif age < 60:
        picks -= {"living_alone_elderly", "empty_nest_elderly", "disabled_elderly", "left_behind_elderly", "left_behind_child", "orphan"}
    else:
        picks -= {"left_behind_child", "orphan"}
    return sorted(picks or {"dibao"})


def _person(household, region_code, name, birth, sex, relation, cats, rng, used, today, *, with_id=True, **extra) -> Recipient:
    person = Recipient(region_id=region_code, household=household, relation=relation, **extra)
    services.set_name(person, name)
    if with_id:
        services.set_id_number(person, idnumber.parse(_id(rng, birth, sex, used)))
    else:
        person.sex, person.birth_date = sex, birth
    services.set_phone(person, f"1390000{rng.randint(0, 9999):04d}")
    age = person.age_on(today)
    person.follow_up_level = rng.choices(
        [FollowUpLevel.GENERAL, FollowUpLevel.KEY, FollowUpLevel.HIGH_RISK], [70, 24, 6]
    )[0]
    person.self_care = SelfCare.FULL if age < 70 else rng.choice([SelfCare.FULL, SelfCare.PARTIAL, SelfCare.NONE])
    person.status = rng.choices([Status.IN_SERVICE, Status.NEW, Status.CLOSED], [75, 20, 5])[0]
    person.save()
    days = rng.randint(430, 1200)
    if person.status == Status.NEW:  # registered lately, not yet taken into service
        days = 3 + days % 57
    started = today - timedelta(days=days)
    Recipient.objects.filter(pk=person.pk).update(created_at=_at(started))
    CategoryMembership.objects.bulk_create(
        [CategoryMembership(recipient=person, category=c, started_on=started, source="演示数据") for c in cats]
    )
    StatusChange.objects.create(recipient=person, new_status=Status.NEW, changed_on=started, reason="登记")
    TimelineEntry.objects.create(recipient=person, kind="registered", summary="登记建档", occurred_at=_at(started))
    if person.status != Status.NEW:
        moved_on = started + timedelta(days=rng.randint(5, 40))
        StatusChange.objects.create(
            recipient=person, old_status=Status.NEW, new_status=person.status, changed_on=min(moved_on, today),
            reason="纳入服务" if person.status == Status.IN_SERVICE else "迁出本地，结案",
        )
        TimelineEntry.objects.create(
            recipient=person, kind="status", summary=f"状态：新登记 → {Status(person.status).label}", occurred_at=_at(min(moved_on, today))
        )
    return person


def _at(day: date):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(9, 30)))


@transaction.atomic
def build(*, townships, today: date, per_township: int = 36) -> None:
    """Households and recipients in each of ``townships`` (Region rows); idempotent."""
    rng = random.Random(2103810)
    used: set = set()
    for township in townships:
        if Recipient.objects.filter(region__code__under=township.code).exists():
            continue
        villages = list(Region.objects.filter(parent=township).order_by("code")[:6]) or [township]
        resources = [
            Resource.objects.create(
                region=township if i % 2 == 0 else rng.choice(villages), kind=kind, name=name.format(t=township.name),
                services=offer, domains=domains, contact_person=_name(rng, rng.choice(["male", "female"])),
                contact_phone=f"0412-{rng.randint(3000000, 3999999)}",
                checked_on=today - timedelta(days=rng.choice([40, 120, 200, 300, 420])),
            )
            for i, (kind, name, offer, domains) in enumerate(RESOURCES)
        ]
        for _ in range(per_township):
            village = rng.choice(villages)
            sex = rng.choice(["male", "female"])
            head_name = _name(rng, sex)
            address = f"海城市{township.name}{village.name}{rng.choice(STREETS)}{rng.randint(1, 200)}号"
            household = Household.objects.create(region=village, head_name=head_name, address=address)
            head_birth = _birth(rng, 35, 90, today)
            head = _person(household, village.code, head_name, head_birth, sex, Relation.HEAD,
                           _categories(rng, (today - head_birth).days // 365), rng, used, today,
                           registered_address=address, current_address=address)
            household.head = head
            household.save(update_fields=["head"])
            members = [head]
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                kind = rng.choice(["spouse", "child", "grandchild"])
                m_sex = rng.choice(["male", "female"])
                if kind == "spouse":
                    birth, surname = head_birth + timedelta(days=rng.randint(-1500, 1500)), None
                elif kind == "child":
                    birth, surname = head_birth + timedelta(days=rng.randint(22 * 365, 34 * 365)), head_name[0]
                else:
                    birth, surname = head_birth + timedelta(days=rng.randint(48 * 365, 62 * 365)), head_name[0]
                if birth >= today:
                    birth = today - timedelta(days=rng.randint(400, 3000))
                age = (today - birth).days // 365
                extra = {}
                if age < 14:
                    extra = {"guardian_name": head_name, "guardian_relation": "祖父母" if kind == "grandchild" else "父母"}
                member = _person(household, village.code, _name(rng, m_sex, surname), birth, m_sex, kind,
                                 _categories(rng, age), rng, used, today, registered_address=address,
                                 current_address=address, **extra)
                if extra:
                    services.set_phone(member, head.phone_cipher and services.clear_value(head, "phone"), guardian=True)
                    member.save(update_fields=["guardian_phone_cipher", "guardian_phone_masked"])
                members.append(member)
            if rng.random() < 0.75:
                assessed = today - timedelta(days=rng.choice([30, 90, 180, 300, 380, 420]))
                assessment = NeedsAssessment.objects.create(
                    household=household, assessed_on=assessed, summary="入户评估：了解家庭收入、健康、照料和居住情况。",
                )
                for domain, text, priority in rng.sample(NEEDS, rng.randint(1, 3)):
                    need = NeedItem.objects.create(
                        assessment=assessment, domain=domain, description=text, priority=priority,
                        recipient=rng.choice(members),
                    )
                    match = [r for r in resources if domain in r.domains]
                    if match and rng.random() < 0.4:
                        need.status = "referred"
                        need.save(update_fields=["status"])
                        Referral.objects.create(
                            recipient=need.recipient or head, resource=rng.choice(match), need=need,
                            reason=text, referred_on=assessed + timedelta(days=7),
                            status=rng.choice(["pending", "accepted", "completed"]),
                        )
                for member in members:
                    TimelineEntry.objects.create(recipient=member, kind="assessment", summary="家庭需求评估", occurred_at=_at(assessed))
        # A second file for one person, registered without an ID number by another worker: the
        # duplicate review queue has something to decide.
        someone = Recipient.objects.filter(region__code__under=township.code, id_index__isnull=False).order_by("id").first()
        if someone:
            twin = _person(None, someone.region_id, someone.name, someone.birth_date, someone.sex, "", ["dibao"], rng, used, today, with_id=False)
            services.detect_duplicates([twin])
