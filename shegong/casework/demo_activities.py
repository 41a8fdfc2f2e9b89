"""Demo community activities and policy publicity: about ten activities and four publicity
events per demo township per year, over last year and this year up to today, with topics from
the catalogue, named participants now and then, and the station's volunteers with their hours
(demo volunteers are registered when the station has none).

Written through the activity services; deterministic (fixed seed) and idempotent (each event
carries a form id drawn from the seed, so a second run finds it and writes nothing).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

ACTIVITIES = [
    ("重阳节敬老活动", "村委会广场", "包饺子、义剪、量血压，为高龄老人送上节日祝福。", "养老"),
    ("端午节包粽子邻里活动", "社区活动室", "居民与志愿者一起包粽子，送给独居老人。", "基层"),
    ("“六一”留守儿童关爱活动", "村小学", "为留守儿童送去学习用品，开展趣味游戏。", "儿童"),
    ("助老义诊进村", "村卫生室", "联系镇卫生院医生为老人义诊，建立健康档案。", "养老"),
    ("防溺水安全教育", "村小学", "讲解防溺水知识，组织学生签订安全承诺书。", "儿童"),
    ("春节送温暖走访慰问", "各村", "为困难家庭送去米面油和春联。", "救助"),
    ("残疾人康复健身操", "社区文化广场", "康复师带领残疾人练习康复操。", "救助"),
    ("邻里文化节", "村文化广场", "组织文艺汇演和趣味运动，增进邻里关系。", "基层"),
    ("暑期儿童阅读营", "农家书屋", "志愿者带领儿童共读绘本，开展读书分享。", "儿童"),
    ("老年人防诈骗讲座", "老年活动中心", "民警讲解常见诈骗手法，发放宣传资料。", "养老"),
    ("中秋节“月圆邻里情”活动", "社区活动室", "与老人一起做月饼、赏月，关爱空巢老人。", "养老"),
    ("环境整治志愿服务", "村主干道", "组织居民和志愿者清理垃圾，美化环境。", "基层"),
]
PUBLICITY = [
    ("低保政策宣讲", "村委会会议室", "讲解最低生活保障申请条件与流程，现场解答问题。", "救助"),
    ("殡葬改革政策宣传", "集市", "发放殡葬改革宣传册，倡导文明节俭办丧。", "社会事务"),
    ("临时救助政策进村入户", "各村", "入户宣传临时救助政策，摸排困难群众。", "救助"),
    ("婚姻登记新规宣传", "镇便民服务中心", "宣传婚姻登记“跨省通办”等新规定。", "社会事务"),
    ("流浪乞讨人员救助政策宣传", "汽车站", "宣传流浪乞讨人员救助政策和求助电话。", "社会事务"),
    ("困境儿童保障政策宣传", "村小学", "向家长和教师讲解困境儿童保障政策。", "儿童"),
    ("养老服务补贴政策解读", "老年活动中心", "解读高龄津贴、养老服务补贴申领办法。", "养老"),
]
VOLUNTEERS = ["王淑珍", "刘海涛", "张晓雪", "李志强", "陈玉兰", "赵文博"]


def _pick_items(items, hint: str, rng):
    matching = [i for i in items if hint in i.domain.name or hint in i.name]
    pool = matching or items
    return rng.sample(pool, min(len(pool), rng.randint(1, 2))) if pool else []


def _volunteers(township):
    from shegong.stations.models import Station
    from shegong.workforce.models import Volunteer
    from shegong.workforce.services import volunteer_create

    station = Station.objects.filter(region=township, kind=Station.Kind.STATION).first()
    if station is None:
        return []
    existing = list(Volunteer.objects.filter(station=station).order_by("pk"))
    if existing:
        return existing
    return [volunteer_create(actor=None, station=station, name=name, joined_on=date(2024, 3, 1)) for name in VOLUNTEERS]


def build(*, townships, today: date) -> None:
    from shegong.recipients.models import Recipient, Status
    from shegong.regions.models import Region

    from . import services_activities as svc
    from . import services_groups as groups
    from .catalogue import items_for
    from .models import ActivityKind

    rng = random.Random(2026)
    for township in townships:
        organiser = groups.workers_at(township.code).first()
        villages = list(Region.objects.filter(parent=township).order_by("code").values_list("code", flat=True)) or [township.code]
        people = list(
            Recipient.objects.filter(region__code__under=township.code, merged_into__isnull=True,
                                     status__in=[Status.NEW, Status.IN_SERVICE]).order_by("pk")
        )
        items = list(items_for(township.code))
        volunteers = _volunteers(township)
        for year in (today.year - 1, today.year):
            start = date(year, 1, 1)
            end = min(date(year, 12, 31), today)
            span = (end - start).days
            if span < 0:
                continue
            share = (span + 1) / 365
            plan = [(ActivityKind.ACTIVITY, ACTIVITIES, round(10 * share)), (ActivityKind.PUBLICITY, PUBLICITY, round(4 * share))]
            for kind, catalogue, count in plan:
                for title, place, description, hint in rng.sample(catalogue, min(count, len(catalogue))):
                    form_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    held_on = start + timedelta(days=rng.randint(0, span))
                    named = rng.sample(people, min(len(people), rng.choice([0, 0, 2, 3, 5])))
                    serving = rng.sample(volunteers, min(len(volunteers), rng.randint(0, 3)))
                    hours = [(v, Decimal(rng.choice(["1.5", "2", "2.5", "3", "4"]))) for v in serving]
                    tags = _pick_items(items, hint, rng)
                    if not tags:
                        continue
                    svc.activity_create(
                        actor=None, kind=kind, region_code=rng.choice(villages + [township.code]), title=title,
                        held_on=held_on, place=place, items=tags, participant_count=rng.randint(max(len(named), 15), 120),
                        description=description, organiser=organiser, participants=named, volunteers=hours,
                        client_uuid=form_id,
                    )
