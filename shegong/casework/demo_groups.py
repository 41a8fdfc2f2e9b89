"""Demo groups: in each demo township 5–7 groups over the last two years, with members,
numbered sessions, records and attendance — most valid, one with only five members and one
with only three sessions, so that the group page shows its reasons.

Written through the group services (timeline and audit included), as the township's social
worker where it has one. Deterministic (fixed seed) and idempotent (a group is matched by name).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

GROUPS = [
    ("老年人互助支持小组", "减少独居老人的孤独感，建立邻里互助网络", ["相识与破冰", "分享生活故事", "健康讲座与互助约定", "手工制作", "邻里互助演练", "总结与告别"]),
    ("留守儿童成长小组", "提升留守儿童的自信心与人际交往能力", ["认识你我", "情绪小管家", "我的优点树", "团队合作游戏", "给爸爸妈妈写信", "成长分享会"]),
    ("残疾人康复互助小组", "分享康复经验，增强康复信心，链接康复资源", ["相识与需求梳理", "康复知识讲解", "康复经验分享", "辅具使用指导", "心理减压", "回顾与展望"]),
    ("低保家庭就业能力提升小组", "提升求职技能，链接就业资源，增强脱困信心", ["自我认识", "职业兴趣探索", "简历与面试", "就业政策解读", "企业参访", "总结与承诺"]),
    ("失能老人照顾者减压小组", "为家庭照顾者缓解压力、学习照护技巧", ["相识与压力评估", "照护技巧", "情绪放松训练", "支持网络", "喘息服务介绍", "结束与祝福"]),
    ("青少年安全教育小组", "增强防溺水、防欺凌和网络安全意识", ["防溺水知识", "校园防欺凌", "网络安全", "应急演练", "安全小卫士", "总结表彰"]),
    ("妇女手工技能小组", "学习手工技能，拓宽增收渠道，增进交流", ["相识", "编织入门", "剪纸技艺", "作品展示", "电商销售知识", "结业分享"]),
]
SESSION_RECORD = "本节围绕“{topic}”开展，组员积极参与讨论与练习，社工引导组员分享感受并布置课后任务。"


def build(*, townships, today: date) -> None:
    from shegong.recipients.models import Recipient, Status
    from shegong.regions.models import Region

    from . import services_groups as svc
    from .catalogue import items_for
    from .models import Group, GroupStatus

    rng = random.Random(95)  # MZ/T 095
    for township in townships:
        leader = svc.workers_at(township.code).first()
        villages = list(Region.objects.filter(parent=township).order_by("code").values_list("code", flat=True)) or [township.code]
        people = list(
            Recipient.objects.filter(region__code__under=township.code, merged_into__isnull=True,
                                     status__in=[Status.NEW, Status.IN_SERVICE]).order_by("pk")
        )
        items = list(items_for(township.code))
        count = rng.randint(5, 7)
        for index, (name, goal, topics) in enumerate(GROUPS[:count]):
            place = rng.choice(villages)
            member_count = rng.randint(6, 10)
            session_count = rng.randint(4, 6)
            if index == 1:
                member_count = 5  # shows "only 5 members"
            if index == 2:
                session_count = 3  # shows "only 3 sessions held"
            chosen = rng.sample(people, min(member_count, len(people)))
            tags = rng.sample(items, min(len(items), rng.randint(1, 2))) if items else []
            starts_on = today - timedelta(days=60 + index * 95 + rng.randint(0, 20))
            share = [rng.random() for _ in range(session_count * len(chosen))]
            if Group.objects.filter(region__code__under=township.code, name=name).exists():
                continue
            group = svc.group_create(
                actor=leader, region_code=place, name=name, goal=goal, starts_on=starts_on, leader=leader, items=tags,
            )
            members = [svc.member_add(actor=leader, group=group, joined_on=starts_on, recipient=person) for person in chosen]
            last = starts_on
            for number in range(session_count):
                held_on = starts_on + timedelta(days=7 * (number + 1))
                present = [m.pk for k, m in enumerate(members) if share[number * len(members) + k] < 0.85]
                svc.session_add(actor=leader, group=group, held_on=held_on, topic=topics[number],
                                record=SESSION_RECORD.format(topic=topics[number]), present=present)
                last = held_on
            if last + timedelta(days=7) < today:
                svc.group_update(
                    actor=leader, group=Group.objects.get(pk=group.pk), version=Group.objects.get(pk=group.pk).version,
                    name=name, goal=goal, starts_on=starts_on, leader=leader, ends_on=last, status=GroupStatus.FINISHED,
                    items=tags,
                )
