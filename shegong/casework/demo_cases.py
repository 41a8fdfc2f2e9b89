"""Demo cases: a dozen cases in the first demo township, across every MZ/T 094 stage, written
through the case services (so each carries its stage history, timeline lines and audit rows).

Some await 郑海燕's (hc_supervisor) decision, some are closed, one was reopened, one was handed
from 赵磊 (hz_worker) to 马丽娟 (hz_worker2). Idempotent: a township that has cases is left alone.
Deterministic: the people are chosen with a fixed seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings
from django.utils import translation

# (problem, assessment, goals, actions, timetable): fictional, in the words of a case file.
STORIES = [
    ("独居老人，去年冬天摔倒后行动不便，子女在外地打工，日常买菜、就医无人照应。",
     "案主82岁，右髋骨折术后恢复中，可扶拐短距离行走；经济来源为低保金和养老金，基本生活有保障；主要问题是照料缺失和社会隔离，情绪低落，有跌倒再发风险。",
     "一、三个月内建立稳定的照料支持；二、降低居家跌倒风险；三、改善情绪、恢复与邻里的往来。",
     "链接村卫生室每月上门随访；申请居家适老化改造（扶手、防滑垫）；动员邻居结对每日探望；每周电话问候一次，每月入户一次。",
     "第1个月完成适老化改造申请和结对；第2—3个月每周跟进，第3个月末评估。"),
    ("留守儿童，父母在外务工，由年迈的祖母照看，近期在学校与同学打架，成绩明显下滑。",
     "案主11岁，祖母72岁患高血压，管教力不从心；案主与父母每月通话一次，情感需求未被满足；学校反映其上课注意力差。",
     "一、增强案主与父母的情感联结；二、改善在校行为；三、减轻祖母照顾压力。",
     "协调父母每周固定视频通话；联系班主任共同制定行为约定；邀请案主参加“童心同行”小组；为祖母链接儿童之家托管服务。",
     "每两周一次面谈，持续三个月。"),
    ("重度残疾人家庭，丈夫因病瘫痪在床，妻子一人照顾并务农，家庭收入骤降，已申请低保但未获批。",
     "家庭人均收入低于当地低保标准，申请材料缺少残疾证明；照顾者长期疲惫，有抑郁倾向。",
     "一、协助完成低保及残疾人两项补贴申请；二、为照顾者提供喘息服务和心理支持。",
     "陪同办理残疾评定；协助补齐低保申请材料并跟进审批；链接志愿者每周两次上门协助照料；每月一次照顾者减压面谈。",
     "第1个月完成评定和材料，第2个月跟进审批，之后每月回访。"),
    ("低保边缘户，户主因工伤失业，两个孩子上学，家里欠下医疗费，向村委求助。",
     "家庭无稳定收入，医疗欠款约3万元；户主有就业意愿，但手部伤残限制体力劳动。",
     "一、申请临时救助缓解急难；二、帮助户主实现再就业。",
     "协助申请临时救助；链接人社部门公益性岗位；联系慈善会助学项目资助两个孩子。",
     "两个月内完成救助申请，三个月内落实就业。"),
    ("空巢老人夫妇，老伴患阿尔茨海默病，走失过一次，照顾者本人也有慢性病。",
     "照顾者76岁，患糖尿病；被照顾者中度认知障碍，有走失风险；家庭经济尚可，缺少照护知识和防走失措施。",
     "一、降低走失风险；二、提升照顾者照护能力；三、探索日间照料服务。",
     "申请防走失手环；开展照护技能指导；联系镇养老服务中心日间照料。",
     "每两周入户一次，三个月后评估。"),
    ("事实无人抚养儿童，父亲服刑、母亲失联，由叔叔临时照看，未纳入保障。",
     "案主9岁，身体健康，情绪较压抑；叔叔家经济困难，照看意愿一般；符合事实无人抚养儿童认定条件。",
     "一、完成事实无人抚养儿童认定，纳入基本生活保障；二、确定稳定的监护安排；三、关注心理状态。",
     "协助提交认定材料；与叔叔签订委托照护协议；儿童主任每月探访；链接心理咨询志愿者。",
     "认定一个月内完成，其余服务持续半年。"),
]
RECORDS = [
    ("home", "入户探访，了解近况，案主情绪较上次平稳，家中扶手已安装。"),
    ("phone", "电话随访，提醒按时服药，约定下周入户。"),
    ("office", "陪同到镇便民服务中心递交申请材料，材料已受理。"),
    ("home", "与家属共同商定照护分工，家属同意每周末回家一次。"),
    ("other", "与村委会、卫生室召开个案协调会，明确各方责任。"),
]
NOTES = [
    "案主透露曾遭受家人言语威胁，暂不宜在家属面前谈及，已评估暂无人身危险，持续关注。",
    "案主情绪低落时提到“活着没意思”，已做自杀风险初评（低风险），每周跟进。",
    "家属之间因赡养问题有矛盾，沟通时分开进行，避免激化。",
]

SCENARIOS = [
    # (stage to reach, worker key, extras)
    ("intake", "hz_worker", {}),
    ("intake", "hz_worker2", {"source": "own_request"}),
    ("assessment", "hz_worker", {"note": 0}),
    ("plan_review", "hz_worker", {}),
    ("plan_review", "hz_worker2", {"returned_once": True, "note": 2}),
    ("intervention", "hz_worker", {"records": 3, "note": 1}),
    ("intervention", "hz_worker", {"records": 2, "transfer_to": "hz_worker2"}),
    ("review", "hz_worker2", {"records": 4}),
    ("closure_review", "hz_worker", {"records": 3}),
    ("closed", "hz_worker2", {"records": 4}),
    ("not_eligible", "hz_worker", {"source": "referral"}),
    ("reopened", "hz_worker", {"records": 2, "note": 0}),
]


def build(*, townships, today: date) -> None:
    if not townships:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _build(townships[0], today)


def _build(township, today: date) -> None:
    from shegong.accounts.models import User
    from shegong.recipients.models import Recipient

    from . import services_cases as svc
    from .catalogue import items_for
    from .models import Case, Visit

    if Case.objects.filter(region__code__under=township.code).exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=["hz_worker", "hz_worker2", "hz_lead", "hc_supervisor"])}
    if len(users) < 4:
        return
    supervisor, lead = users["hc_supervisor"], users["hz_lead"]
    rng = random.Random(2103811)
    people = list(Recipient.objects.filter(region__code__under=township.code, merged_into__isnull=True)
                  .exclude(status__in=["deceased", "moved"]).order_by("pk"))
    if len(people) < len(SCENARIOS):
        return
    chosen = rng.sample(people, len(SCENARIOS))
    items = list(items_for(township.code)[:12])
    for index, ((goal, worker_key, extras), person) in enumerate(zip(SCENARIOS, chosen, strict=True)):
        worker = users[worker_key]
        problem, assessment, goals, actions, timetable = STORIES[index % len(STORIES)]
        opened = today - timedelta(days=120 - index * 7)
        source = extras.get("source", "outreach")
        visit = None
        if source == "outreach":
            visit = Visit.objects.filter(recipient=person).order_by("-visited_on").first()
            if visit is not None and visit.visited_on > opened:
                visit = None
        case = svc.open_case(
            worker, person, source=source, problem=problem, source_visit=visit, worker=worker, supervisor=supervisor,
            source_detail="镇民政办转介" if source == "referral" else "",
            items=[rng.choice(items)] if items else [], opened_on=opened,
        )
        if "note" in extras:
            svc.add_note(worker, case, text=NOTES[extras["note"]])
        if goal == "intake":
            continue
        if goal == "not_eligible":
            svc.submit_closure(worker, case, reason="not_eligible", summary="经评估，案主需求已由村委会协调解决，不符合个案介入条件，转为定期走访。")
            svc.decide(supervisor, svc.pending_approval(case), approve=True, closed_on=opened + timedelta(days=5))
            continue
        svc.record_assessment(worker, case, assessment=assessment)
        if goal == "assessment":
            continue
        plan = {"goals": goals, "actions": actions, "timetable": timetable, "review_on": opened + timedelta(days=90)}
        svc.submit_plan(worker, case, **plan)
        if extras.get("returned_once"):
            svc.decide(supervisor, svc.pending_approval(case), approve=False,
                       comment="目标请写得更具体、可衡量，并补充风险应对措施和家属的分工。")
            svc.submit_plan(worker, case, **{**plan, "goals": goals + "（已细化：每项目标附衡量标准）"})
        if goal == "plan_review":
            continue
        svc.decide(supervisor, svc.pending_approval(case), approve=True, comment="同意，注意跟进风险。")
        for n in range(extras.get("records", 0)):
            contact, content = RECORDS[(index + n) % len(RECORDS)]
            svc.add_record(worker, case, occurred_on=min(today, opened + timedelta(days=14 + n * 12)), contact=contact,
                           content=content, items=[rng.choice(items)] if items else [])
        if "transfer_to" in extras:
            svc.transfer_case(lead, case, to_worker=users[extras["transfer_to"]], reason="赵磊负责片区调整，由马丽娟接手。")
            worker = users[extras["transfer_to"]]
        if goal == "intervention":
            continue
        svc.start_review(worker, case, review_summary="计划目标大部分达成：照料安排已稳定，补贴已落实；案主情绪明显好转。")
        if goal == "review":
            continue
        svc.submit_closure(worker, case, reason="goals_met", summary="服务目标达成，案主及家属能够自行应对，转为常规走访跟进。")
        if goal == "closure_review":
            continue
        svc.decide(supervisor, svc.pending_approval(case), approve=True, comment="同意结案。",
                   closed_on=min(today, opened + timedelta(days=100)))
        if goal == "reopened":
            svc.reopen(worker, case, reason="结案后案主再次跌倒住院，家属请求继续提供服务。")
