"""The writer behind ``shegong generate``: a county's or a province's synthetic data, township by
township, each in one transaction, through the bulk paths of the recipient import (COPY on
PostgreSQL, executemany on SQLite).

Deterministic: every township draws from its own ``random.Random`` seeded with (seed, township
code, part), so the same seed and options give the same names, ID numbers and dates whatever
townships were generated before. Dates count back from ``end`` (default today: pass ``--end``
for identical data on another day). Ciphertexts differ between runs (random nonces), their
clear values and blind indexes do not.

Rows are written directly, without the permission-checking services, but with the conventions
the services keep: a recipient, household and visit at the person's village; a case at the
recipient's village, numbered ``<township>-<year>-<seq>``; values encrypted and indexed by
``recipients.services.set_id_number`` / ``set_phone`` / ``set_name``; each person's timeline gets
the lines the services would write (registered, each home visit, case opened, group joined), in
Chinese, linked to their record. Not written: status changes, visit plans, attachments, audit rows.
The run ends with ``ANALYZE`` and a recount of the dashboards' rollups under the places it wrote
(``shegong.monitoring.rollups.rebuild``): bulk rows bypass the signals that keep them.

Generated data is recognised by its user accounts, named ``gen_<township>_w<n>`` (workers) and
``gen_<county>_supervisor``.
"""

from __future__ import annotations

import os
import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from stdnum.cn import uscc

from shegong.accounts.models import RoleAssignment, User
from shegong.casework.models import (
    Activity,
    ActivityKind,
    Case,
    CaseSource,
    CaseStage,
    ClosureReason,
    Condition,
    FollowUp,
    Group,
    GroupMember,
    GroupSession,
    GroupStatus,
    Risk,
    SessionAttendance,
    StageChange,
    Visit,
    VisitOutcome,
)
from shegong.monitoring import rollups
from shegong.monitoring.models import Tally
from shegong.recipients import idnumber, services
from shegong.recipients.imports import BulkTable, reserve_ids
from shegong.recipients.models import (
    CategoryMembership,
    FollowUpLevel,
    Household,
    Recipient,
    Relation,
    SelfCare,
    Status,
    TimelineEntry,
)
from shegong.regions.models import Level, Region
from shegong.stations.models import Operator, Station
from shegong.workforce.models import CertificateLevel, Education, SocialWorker, StationAssignment

from . import names

# preset -> (region code, townships expected under it; None: whatever the shipped slice holds)
PRESETS = {"county": ("210381", None), "province": ("21", 1406)}
SOURCE = "shegong generate"
DEFAULT_PER_TOWNSHIP = 1735
TOWNSHIP_SLOTS = 100  # ID numbers: two digits of the sequence code tell the townships of a county apart

# Per township and year, roughly (DOMAIN §4 minimums, a little above).
CASES_PER_YEAR = (4, 6)
GROUPS_PER_YEAR = (4, 6)
GROUP_MEMBERS = (6, 10)
GROUP_SESSIONS = (4, 6)
ACTIVITIES_PER_YEAR = (9, 11)
PUBLICITY_PER_YEAR = (3, 5)
VISITS_PER_PERSON_YEAR = ((0, 15), (1, 60), (2, 25))  # (visits, weight): about one a person a year

# primary category: (weight per mille, age range)
CATEGORIES = {
    "dibao": (430, (18, 88)),
    "tekun": (110, (45, 95)),
    "disabled": (105, (18, 80)),
    "dibao_edge": (50, (18, 85)),
    "living_alone_elderly": (60, (60, 95)),
    "empty_nest_elderly": (50, (60, 90)),
    "disabled_elderly": (35, (65, 98)),
    "left_behind_elderly": (30, (60, 90)),
    "left_behind_child": (40, (3, 15)),
    "unattended_child": (10, (2, 17)),
    "orphan": (5, (1, 17)),
    "family_planning": (20, (50, 78)),
    "left_behind_woman": (15, (25, 55)),
    "temporary_assistance": (38, (18, 80)),
    "vagrant": (2, (30, 70)),
}
_CATEGORY_NAMES = tuple(CATEGORIES)
_CATEGORY_CUM = tuple(accumulate(w for w, _a in CATEGORIES.values()))
ALONE = {"tekun", "living_alone_elderly", "vagrant", "orphan", "unattended_child", "left_behind_child"}
SHARED = {"dibao", "dibao_edge", "family_planning", "temporary_assistance", "empty_nest_elderly", "left_behind_elderly"}
CHILD_KINDS = {"left_behind_child", "unattended_child", "orphan"}
ELDERLY_KINDS = {"living_alone_elderly", "empty_nest_elderly", "disabled_elderly", "left_behind_elderly"}

FINDINGS = ("身体状况稳定，按时服药", "家中取暖准备充足", "生活基本能够自理", "子女定期电话联系", "低保金按时发放",
            "居住环境整洁", "近期血压偏高，已提醒就医", "房屋有轻微漏雨", "情绪较好，愿意参加社区活动", "需要代办医保报销")
NEEDS = ("希望有人定期上门陪伴", "需要协助申请临时救助", "孩子需要课业辅导", "需要康复辅具", "希望了解医保政策", "")
PROBLEMS = ("独居高龄老人，日常照料缺乏，情绪低落", "留守儿童学习困难，与祖辈沟通不畅", "重度残疾，家庭照护压力大",
            "低保家庭主要劳动力患病，收入中断", "丧偶后社会支持减少，需要心理疏导", "家庭矛盾，存在冲突风险",
            "困境儿童监护缺失，需要链接资源", "刑满释放人员回归社区，就业困难")
GROUP_TOPICS = (("老年人互助小组", "增强老年人社会支持网络，减少孤独感"), ("留守儿童成长小组", "提升留守儿童自信心与人际交往能力"),
                ("残疾人康复支持小组", "分享康复经验，提升自我照顾能力"), ("照顾者减压小组", "缓解家庭照顾者压力，学习照护技巧"),
                ("妇女手工技能小组", "学习手工技能，增加家庭收入"), ("健康生活小组", "普及慢病管理知识，养成健康生活习惯"))
SESSION_TOPICS = ("相识与破冰", "分享与倾听", "技能学习", "资源介绍", "经验交流", "回顾与告别")
ACTIVITY_TITLES = ("重阳节敬老活动", "六一儿童节游园会", "端午节包粽子活动", "健康义诊进村", "邻里守望志愿服务",
                   "中秋节慰问困难群众", "春节写春联送祝福", "防诈骗知识讲座", "垃圾分类宣传活动", "读书分享会")
PUBLICITY_TITLES = ("社会救助政策宣传", "婚姻登记政策宣传", "殡葬改革政策宣传", "流浪乞讨救助政策宣传",
                    "养老服务政策宣传", "儿童福利政策宣传", "残疾人两项补贴政策宣传")
MAJORS = ("社会工作", "社会工作", "社会学", "心理学", "汉语言文学", "行政管理", "护理学", "学前教育")
GUARDIAN_RELATIONS = ("祖父", "祖母", "外祖父", "外祖母", "叔叔", "姑姑", "舅舅")
# Choice lists built once (a TextChoices' ``values`` is rebuilt on every read).
OUTCOMES, OUTCOME_CUM = tuple(VisitOutcome.values), (84, 93, 97, 100)  # at home, nobody home, empty, refused
CONDITIONS, CONDITION_CUM = tuple(Condition.values[:3]), (50, 90, 100)  # good, fair, poor
RISKS = tuple(Risk.values)
STAGE_PATH = (CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.PLAN_REVIEW, CaseStage.INTERVENTION,
              CaseStage.REVIEW, CaseStage.CLOSURE_REVIEW, CaseStage.CLOSED)


def timeline_lines() -> SimpleNamespace:
    """The timeline's words, as the services write them, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return SimpleNamespace(
            registered=gettext("Registered"),
            visit=gettext("Home visit: %(outcome)s (%(workers)s)"),
            risks=gettext("risks: %(risks)s"),
            outcomes={value: str(label) for value, label in VisitOutcome.choices},
            risk_labels={value: str(label) for value, label in Risk.choices},
            case=gettext("Case %(number)s opened (%(source)s)"),
            sources={value: str(label) for value, label in CaseSource.choices},
            group=gettext("Joined the group “%(group)s”"),
        )


class GenerateError(Exception):
    """A refusal (nothing written): the message says why and what to do."""


@dataclass
class Options:
    seed: int = 1
    per_township: int = DEFAULT_PER_TOWNSHIP
    years: int = 3
    end: date = field(default_factory=date.today)
    batch_size: int = 5000

    @property
    def first_year(self) -> int:
        return self.end.year - self.years + 1

    @property
    def history_start(self) -> date:
        return date(self.first_year, 1, 1)


# --- Choosing townships ------------------------------------------------------------------------


def townships_for(preset: str, limit: int | None = None) -> list[Region]:
    """The townships of a preset (code order), the first ``limit`` of them; refuses when the
    region set loaded does not hold the preset's townships."""
    code, expected = PRESETS[preset]
    place = Region.objects.filter(code=code).first()
    found = Region.objects.under(code).townships().count()
    if place is None or found == 0 or (expected and found < expected):
        how = ("shegong regions load" if preset == "county" else
               f"shegong regions load /path/to/regions --under {code}   (the national set: provinces.csv … villages.csv)")
        raise GenerateError(
            f"The {preset} preset needs {expected or 'the'} townships under {code}; {found} are loaded. Load them first:\n  {how}"
        )
    qs = Region.objects.under(code).townships().order_by("code")
    return list(qs[:limit] if limit else qs)


def rollup_prefix(townships: list[Region]) -> str:
    """The narrowest county, city or province code holding all ``townships`` (what to rebuild)."""
    common = os.path.commonprefix(sorted({t.code[:6] for t in townships}))
    return next(common[:n] for n in (6, 4, 2, 0) if len(common) >= n)


def worker_username(township: str, n: int) -> str:
    return f"gen_{township}_w{n}"


def already_generated(townships: list[Region]) -> list[str]:
    """Codes of the townships that already hold generated data (their first worker's account)."""
    wanted = {worker_username(t.code, 1): t.code for t in townships}
    found = set()
    names_ = list(wanted)
    for start in range(0, len(names_), 500):
        found.update(User.objects.filter(username__in=names_[start:start + 500]).values_list("username", flat=True))
    return sorted(wanted[u] for u in found)


# --- Small helpers -----------------------------------------------------------------------------


def _rng(seed: int, code: str, part: str) -> random.Random:
    return random.Random(f"{seed}:{code}:{part}")


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _credit_code(county: str) -> str:
    base = f"52{county}977000001"
    return base + uscc.calc_check_digit(base)


def id_prefix(county: str) -> str:
    """The 6-digit code to issue ID numbers under: the county's own when it is in the table of
    codes ID numbers may carry, else the first such code of its city (a county created lately)."""
    def known(code):
        return idnumber.is_valid(idnumber.with_check_digit(f"{code}19800101001"))

    if known(county):
        return county
    for nn in range(1, 100):
        if known(f"{county[:4]}{nn:02d}"):
            return f"{county[:4]}{nn:02d}"
    for cc in range(1, 100):
        for nn in range(1, 30):
            if known(f"{county[:2]}{cc:02d}{nn:02d}"):
                return f"{county[:2]}{cc:02d}{nn:02d}"
    raise GenerateError(f"No ID number region code found for county {county}.")


class _Person:
    """What ``services.set_name`` / ``set_id_number`` / ``set_phone`` write, without a model instance."""

    phone_cipher = phone_masked = guardian_phone_cipher = guardian_phone_masked = ""


# --- The generator -----------------------------------------------------------------------------


@dataclass
class County:
    code: str
    operator: Operator
    supervisor: User
    prefix: str
    slots: dict  # township code -> slot (0..99) in the ID numbers' sequence code


class Generator:
    def __init__(self, options: Options, out=print):
        self.o = options
        self.out = out
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.ids: dict = {}  # per model: reserve_ids state
        self.counties: dict[str, County] = {}
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.json: dict = {}
        self.totals: dict[str, int] = {}
        self.lines = timeline_lines()

    # -- the run --

    def run(self, townships: list[Region]) -> dict[str, int]:
        clash = already_generated(townships)
        if clash:
            raise GenerateError(
                f"{len(clash)} of these townships already hold generated data (first: {clash[0]}); "
                "generate into a fresh database, or choose other townships."
            )
        started = clock.perf_counter()
        for i, township in enumerate(townships, start=1):
            t0 = clock.perf_counter()
            # The rollups are recounted once at the end: the few rows saved through the ORM (stations,
            # assignments) do not each queue a recount of their township's years.
            with rollups.suspended(), transaction.atomic():
                county = self.county(township.code[:6])
                counts = self.township(township, county)
            for key, value in counts.items():
                self.totals[key] = self.totals.get(key, 0) + value
            rows, total = sum(counts.values()), sum(self.totals.values())
            elapsed = clock.perf_counter() - started
            self.out(
                f"township {i}/{len(townships)} {township.code} {township.name}: {rows:,} rows in "
                f"{clock.perf_counter() - t0:.1f} s; {total:,} rows so far, {total / elapsed:,.0f} rows/s"
            )
        # Fresh planner statistics: without them the first queries over millions of new rows plan as
        # if the tables were empty (PostgreSQL's autovacuum gets there only minutes later).
        t0 = clock.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.out(f"statistics refreshed (ANALYZE) in {clock.perf_counter() - t0:.1f} s")
        # The dashboards' rollups, recounted from what was written (bulk rows bypass the signals that
        # keep them), after ANALYZE so the recount's queries are planned on the new rows' statistics.
        t0 = clock.perf_counter()
        prefix = rollup_prefix(townships)
        tallies = rollups.rebuild(prefix)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Tally._meta.db_table)}")
        self.out(f"rollups rebuilt under {prefix or 'everything'} ({tallies:,} rows) in {clock.perf_counter() - t0:.1f} s")
        self.totals["seconds"] = round(clock.perf_counter() - started, 1)
        return self.totals

    def _at(self, day: date, rng: random.Random | None = None) -> datetime:
        hour, minute = (rng.randint(8, 17), 15 * rng.randrange(4)) if rng else (9, 0)
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def _json(self, model, name: str, value: list):
        key = (model, name, tuple(value))
        if key not in self.json:
            self.json[key] = model._meta.get_field(name).get_db_prep_save(value, connection)
        return self.json[key]

    def _ids(self, model, count: int) -> list[int]:
        return reserve_ids(model, count, self.ids.setdefault(model, {}))

    # -- per county: the operator and a supervisor (reused when present) --

    def county(self, code: str) -> County:
        if code in self.counties:
            return self.counties[code]
        region = Region.objects.get(code=code)
        operator = Operator.objects.filter(credit_code=_credit_code(code)).first()
        if operator is None:
            operator = Operator.objects.create(
                name=f"{region.name}启航社会工作服务中心", credit_code=_credit_code(code), region=region,
                legal_representative=names.full_name(_rng(self.o.seed, code, "operator"), "female", 1975),
                registration_authority=f"{region.name}民政局", registered_on=date(2018, 6, 1),
                qualifications="社会服务机构登记证书；3A级社会组织", address=f"{region.name}人民路1号",
            )
        username = f"gen_{code}_supervisor"
        supervisor = User.objects.filter(username=username).first()
        if supervisor is None:
            supervisor = User(username=username, name=names.full_name(_rng(self.o.seed, code, "supervisor"), "male", 1972))
            supervisor.set_unusable_password()
            supervisor.save()
            RoleAssignment.objects.create(user=supervisor, role="supervisor", region=region, operator=operator)
        codes = list(Region.objects.under(code).townships().order_by("code").values_list("code", flat=True))
        county = County(code, operator, supervisor, id_prefix(code), {c: i % TOWNSHIP_SLOTS for i, c in enumerate(codes)})
        self.counties[code] = county
        return county

    # -- per township --

    def township(self, township: Region, county: County) -> dict[str, int]:
        code = township.code
        villages = list(Region.objects.under(code).filter(level=Level.VILLAGE).order_by("code"))
        if not villages:
            villages = [township]  # a township without villages in the table: people at the township
        station, created = self._station(township, county)
        workers = self._workers(township, county, station)
        people = self._people(township, county, villages)
        # stations; per worker its account, role, worker record and station assignment
        counts = {"stations_and_staff": int(created) + 4 * len(workers)}
        counts.update(self._write_people(people))
        counts.update(self._history(township, county, villages, people, workers))
        return counts

    def _station(self, township: Region, county: County) -> tuple[Station, bool]:
        station = Station.objects.filter(region=township, kind=Station.Kind.STATION).order_by("pk").first()
        if station:
            return station, False
        rng = _rng(self.o.seed, township.code, "station")
        return Station.objects.create(
            name=f"{township.name}社会工作服务站", kind=Station.Kind.STATION, region=township, operator=county.operator,
            status=Station.Status.OPERATING, address=f"{township.name}政府院内", venue_area=Decimal(rng.randint(40, 160)),
            rooms=["社工办公室", "个案工作室", "小组活动室"], equipment=["电脑", "打印机", "档案柜"],
            township_population=rng.randint(15000, 80000),
            opened_on=self.o.history_start - timedelta(days=rng.randint(60, 720)),
        ), True

    def _workers(self, township: Region, county: County, station: Station) -> list[User]:
        rng = _rng(self.o.seed, township.code, "workers")
        users = []
        for n in range(1, rng.randint(2, 4) + 1):
            sex = "female" if rng.random() < 0.7 else "male"
            born = date(self.o.end.year - rng.randint(24, 44), rng.randint(1, 12), rng.randint(1, 28))
            name = names.full_name(rng, sex, born.year)
            took_post = (station.opened_on or self.o.history_start) + timedelta(days=rng.randint(0, 60))
            level = rng.choices(list(CertificateLevel.values), weights=(35, 48, 15, 2))[0]
            education = rng.choices((Education.COLLEGE, Education.BACHELOR, Education.MASTER), weights=(40, 55, 5))[0]
            major = rng.choice(MAJORS)
            user = User(username=worker_username(township.code, n), name=name)
            user.set_unusable_password()
            user.save()
            RoleAssignment.objects.create(user=user, role="worker", region=township, operator=county.operator)
            worker = SocialWorker.objects.create(
                employer=county.operator, name=name, sex=sex, birth_date=born, education=education, major=major,
                is_social_work_major=major == "社会工作", certificate_level=level,
                certificate_number=f"SG{township.code}{n:02d}" if level != CertificateLevel.NONE else "",
                certificate_date=(took_post - timedelta(days=rng.randint(-300, 900))) if level != CertificateLevel.NONE else None,
                took_post_on=took_post, has_labour_contract=True, contract_start=took_post,
                contract_end=took_post + timedelta(days=3 * 365), has_social_insurance=rng.random() < 0.9,
                monthly_salary=Decimal(rng.randrange(2800, 5200, 100)), user=user,
            )
            StationAssignment.objects.create(worker=worker, station=station, start=took_post)
            users.append(user)
        return users

    # -- recipients and households --

    def _people(self, township: Region, county: County, villages: list[Region]) -> list[dict]:
        """The township's recipients as dicts (nothing written yet), grouped in households."""
        rng = _rng(self.o.seed, township.code, "people")
        o, slot, used = self.o, county.slots.get(township.code, 0), set()
        people: list[dict] = []
        household = 0
        while len(people) < o.per_township:
            household += 1
            category = rng.choices(_CATEGORY_NAMES, cum_weights=_CATEGORY_CUM)[0]
            low, high = CATEGORIES[category][1]
            age = rng.randint(low, high)
            sex = "female" if category == "left_behind_woman" else rng.choice(("male", "female"))
            village = rng.choice(villages)
            address = f"{village.name}{rng.randint(1, 320)}号"
            head = self._person(rng, county.prefix, slot, used, sex, age, category, village, address, household, Relation.HEAD)
            family = head["name"][0]
            members = [head]
            size = 1 if category in ALONE else rng.choices((1, 2, 3, 4), weights=(50, 32, 14, 4))[0]
            for _ in range(size - 1):
                shared = category if category in SHARED else "dibao"
                if len(members) == 1 and age >= 22:
                    kind = Relation.SPOUSE
                    m_age = max(18, age + rng.randint(-5, 5))
                    m_sex = "female" if sex == "male" else "male"
                elif age >= 55:
                    kind, m_age, m_sex = Relation.GRANDCHILD, rng.randint(3, 15), rng.choice(("male", "female"))
                    shared = "left_behind_child"
                elif age >= 24:
                    kind, m_age, m_sex = Relation.CHILD, rng.randint(1, min(17, age - 20)), rng.choice(("male", "female"))
                else:
                    break
                member = self._person(rng, county.prefix, slot, used, m_sex, m_age, shared, village, address, household, kind,
                                      family=family if kind in (Relation.CHILD, Relation.GRANDCHILD) else None)
                if m_age < 18:
                    member["guardian_name"] = head["name"]
                    member["guardian_relation"] = "祖父母" if kind == Relation.GRANDCHILD else "父母"
                members.append(member)
            people.extend(members)
        del people[o.per_township:]
        return people

    def _person(self, rng, prefix, slot, used, sex, age, category, village, address, household, relation, family=None) -> dict:
        o = self.o
        born = date(o.end.year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
        if born > o.end:
            born = o.end - timedelta(days=rng.randint(30, 300))
        value, born = self._id_number(rng, prefix, slot, born, sex, used)
        name = names.full_name(rng, sex, born.year, family)
        if rng.random() < 0.72:
            registered = o.history_start - timedelta(days=rng.randint(30, 6 * 365))
        else:
            registered = _day_between(rng, o.history_start, o.end)
        registered = max(registered, born)
        status = Status.IN_SERVICE
        if registered > o.end - timedelta(days=90):
            status = Status.NEW
        else:
            roll = rng.random()
            if roll < (0.03 if age >= 70 else 0.003):
                status = Status.DECEASED
            elif roll < 0.05:
                status = rng.choice((Status.MOVED, Status.CLOSED))
        categories = [category]
        roll = rng.random()
        if category != "disabled" and roll < 0.12:
            categories.append("disabled")
        elif category in ELDERLY_KINDS | {"disabled"} and roll < 0.30:
            categories.append("dibao")
        person = {
            "name": name, "sex": sex, "birth_date": born, "id_number": value, "village": village.code,
            "household": household, "relation": relation, "address": address, "categories": categories,
            "registered_on": registered, "status": status,
            "phone": f"1390000{rng.randint(0, 9999):04d}" if age >= 16 and rng.random() < 0.7 else "",
            "follow_up_level": rng.choices((FollowUpLevel.GENERAL, FollowUpLevel.KEY, FollowUpLevel.HIGH_RISK), weights=(80, 15, 5))[0],
            "self_care": (rng.choices((SelfCare.FULL, SelfCare.PARTIAL, SelfCare.NONE), weights=(55, 30, 15))[0]
                          if age >= 60 or "disabled" in categories else rng.choice((SelfCare.FULL, SelfCare.UNKNOWN))),
            "guardian_name": "", "guardian_relation": "", "guardian_phone": "",
        }
        if category in CHILD_KINDS or (age < 18 and relation == Relation.HEAD):
            person["guardian_name"] = names.full_name(rng, rng.choice(("male", "female")), born.year - 50, name[0])
            person["guardian_relation"] = rng.choice(GUARDIAN_RELATIONS)
            person["guardian_phone"] = f"1390000{rng.randint(0, 9999):04d}"
        return person

    @staticmethod
    def _id_number(rng, prefix: str, slot: int, born: date, sex: str, used: set) -> tuple[str, date]:
        """A valid ID number, unique in the township (its slot keeps it unique in the county)."""
        parity = 1 if sex == "male" else 0
        while True:
            for _ in range(8):
                value = idnumber.with_check_digit(f"{prefix}{born:%Y%m%d}{slot:02d}{rng.randrange(5) * 2 + parity}")
                if value not in used:
                    used.add(value)
                    return value, born
            born -= timedelta(days=1)

    def _write_people(self, people: list[dict]) -> dict[str, int]:
        batch = self.o.batch_size
        recipients = BulkTable(Recipient, with_pk=True, now=self.now)
        households = BulkTable(Household, with_pk=True, now=self.now)
        memberships = BulkTable(CategoryMembership, with_pk=False, now=self.now)
        timeline = BulkTable(TimelineEntry, with_pk=False, now=self.now)
        ids = self._ids(Recipient, len(people))
        household_keys = sorted({p["household"] for p in people})
        household_ids = dict(zip(household_keys, self._ids(Household, len(household_keys)), strict=True))
        holder = _Person()
        written = {"recipients": 0, "households": 0, "categories": 0}
        for person, pk in zip(people, ids, strict=True):
            person["pk"] = pk
            hh = person["household_id"] = household_ids[person["household"]]
            at = self._at(person["registered_on"])
            if person["relation"] == Relation.HEAD:
                households.add({"id": hh, "region_id": person["village"], "head_id": pk, "head_name": person["name"],
                                "address": person["address"], "created_at": at, "updated_at": at})
            name = person["name"]
            if name not in self.pinyin:
                services.set_name(holder, name)
                self.pinyin[name] = (holder.name_pinyin, holder.name_initials)
            name_pinyin, name_initials = self.pinyin[name]
            services.set_id_number(holder, idnumber.IdNumber(person["id_number"], person["birth_date"], person["sex"]))
            holder.phone_cipher = holder.phone_masked = holder.guardian_phone_cipher = holder.guardian_phone_masked = ""
            if person["phone"]:
                services.set_phone(holder, person["phone"])
            if person["guardian_phone"]:
                services.set_phone(holder, person["guardian_phone"], guardian=True)
            recipients.add({
                "id": pk, "name": name, "name_pinyin": name_pinyin, "name_initials": name_initials,
                "sex": person["sex"], "birth_date": person["birth_date"], "id_cipher": holder.id_cipher,
                "id_index": holder.id_index, "id_masked": holder.id_masked, "phone_cipher": holder.phone_cipher,
                "phone_masked": holder.phone_masked, "guardian_phone_cipher": holder.guardian_phone_cipher,
                "guardian_phone_masked": holder.guardian_phone_masked, "region_id": person["village"],
                "household_id": hh, "relation": person["relation"], "registered_address": person["address"],
                "current_address": person["address"], "follow_up_level": person["follow_up_level"],
                "self_care": person["self_care"], "status": person["status"], "guardian_name": person["guardian_name"],
                "guardian_relation": person["guardian_relation"], "created_at": at, "updated_at": at,
            })
            for category in person["categories"]:
                memberships.add({"recipient_id": pk, "category": category, "started_on": person["registered_on"], "source": SOURCE})
            timeline.add({"recipient_id": pk, "occurred_at": at, "kind": "registered", "summary": self.lines.registered, "link": ""})
            if len(recipients.pending) >= batch:
                written["recipients"] += recipients.flush()
                written["categories"] += memberships.flush()
        written["recipients"] += recipients.flush()
        written["households"] += households.flush()
        written["categories"] += memberships.flush()
        written["timeline"] = timeline.flush()
        return written

    # -- years of casework --

    def _history(self, township: Region, county: County, villages, people: list[dict], workers: list[User]) -> dict[str, int]:
        o = self.o
        code = township.code
        written = {}
        worker_ids = [u.pk for u in workers]
        active = [p for p in people if p["status"] in (Status.NEW, Status.IN_SERVICE)]
        village_names = {v.code: v.name for v in villages}

        # Visits, about one a person a year, by one worker (sometimes two).
        rng = _rng(o.seed, code, "visits")
        visits = []
        counts, weights = zip(*VISITS_PER_PERSON_YEAR, strict=True)
        cum = tuple(accumulate(weights))
        for year in range(o.first_year, o.end.year + 1):
            last = min(date(year, 12, 31), o.end)
            for person in active:
                first = max(date(year, 1, 1), person["registered_on"])
                if first > last:
                    continue
                for _ in range(rng.choices(counts, cum_weights=cum)[0]):
                    visits.append((person, _day_between(rng, first, last)))
        visits.sort(key=lambda v: (v[1], v[0]["pk"]))
        visit_table = BulkTable(Visit, with_pk=True, now=self.now)
        through = Visit.workers.through
        workers_table = BulkTable(through, with_pk=False, now=self.now)
        timeline = BulkTable(TimelineEntry, with_pk=False, now=self.now)
        names_of = {u.pk: str(u) for u in workers}
        empty = self._json(Visit, "risks", [])
        written["visits"] = written["visit_workers"] = written["timeline"] = 0
        first_visit: dict[int, int] = {}
        for (person, day), pk in zip(visits, self._ids(Visit, len(visits)), strict=True):
            outcome = rng.choices(OUTCOMES, cum_weights=OUTCOME_CUM)[0]
            met = outcome == VisitOutcome.AT_HOME
            risks, follow_ups = [], []
            if met and rng.random() < 0.06:
                risks = [rng.choice(RISKS)]
                follow_ups = [rng.choice((FollowUp.OPEN_CASE, FollowUp.REFERRAL, FollowUp.VISIT_AGAIN))]
            looks = rng.choices(CONDITIONS, cum_weights=CONDITION_CUM, k=4) if met else [Condition.UNKNOWN] * 4
            who = rng.sample(worker_ids, 2 if len(worker_ids) > 1 and rng.random() < 0.2 else 1)
            at = self._at(day, rng)
            visit_table.add({
                "id": pk, "region_id": person["village"], "recipient_id": person["pk"], "household_id": person["household_id"],
                "visited_on": day, "outcome": outcome, "living_conditions": looks[0], "health": looks[1], "income": looks[2],
                "safety": looks[3], "findings": rng.choice(FINDINGS) if met else "", "needs_found": rng.choice(NEEDS) if met else "",
                "risks": self._json(Visit, "risks", risks) if risks else empty,
                "follow_ups": self._json(Visit, "follow_ups", follow_ups) if follow_ups else empty,
                "created_by_id": who[0], "created_at": at, "updated_at": at,
            })
            first_visit.setdefault(person["pk"], pk)
            for user_id in who:
                workers_table.add({"visit_id": pk, "user_id": user_id})
            summary = self.lines.visit % {"outcome": self.lines.outcomes[outcome], "workers": "、".join(names_of[w] for w in who)}
            if risks:
                summary += " · " + self.lines.risks % {"risks": self.lines.risk_labels[risks[0]]}
            timeline.add({"recipient_id": person["pk"], "occurred_at": datetime.combine(day, time(12, 0), tzinfo=self.tz),
                          "kind": "visit", "summary": summary, "actor_id": who[0], "link": f"/casework/visits/{pk}/"})
            if len(visit_table.pending) >= self.o.batch_size:
                written["visits"] += visit_table.flush()
                written["visit_workers"] += workers_table.flush()
                written["timeline"] += timeline.flush()
        written["visits"] += visit_table.flush()
        written["visit_workers"] += workers_table.flush()
        written["timeline"] += timeline.flush()

        for part in (self._cases(code, county, active, worker_ids, first_visit), self._groups(code, township, active, worker_ids)):
            written["timeline"] += part.pop("timeline")
            written.update(part)
        written.update(self._activities(code, township, villages, village_names, worker_ids))
        return written

    def _cases(self, code, county: County, active, worker_ids, first_visit) -> dict[str, int]:
        o = self.o
        rng = _rng(o.seed, code, "cases")
        cases = BulkTable(Case, with_pk=True, now=self.now)
        changes = BulkTable(StageChange, with_pk=False, now=self.now)
        timeline = BulkTable(TimelineEntry, with_pk=False, now=self.now)
        for year in range(o.first_year, o.end.year + 1):
            last = min(date(year, 12, 31), o.end)
            candidates = [p for p in active if p["registered_on"] <= last]
            planned = []
            for _ in range(rng.randint(*CASES_PER_YEAR) if candidates else 0):
                person = rng.choice(candidates)
                planned.append((_day_between(rng, max(date(year, 1, 1), person["registered_on"]), last), person))
            planned.sort(key=lambda c: (c[0], c[1]["pk"]))
            prefix = f"{code}-{year}-"
            existing = Case.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
            seq = int(existing.rsplit("-", 1)[1]) if existing and existing.rsplit("-", 1)[1].isdigit() else 0
            for (opened, person), pk in zip(planned, self._ids(Case, len(planned)), strict=True):
                seq += 1
                age_days = (o.end - opened).days
                # Older cases are mostly closed; recent ones spread over the stages.
                reach = len(STAGE_PATH) - 1 if age_days > 200 and rng.random() < 0.85 else min(
                    len(STAGE_PATH) - 1, rng.randint(0, max(0, age_days // 20)))
                stage = STAGE_PATH[reach]
                closed_on = min(o.end, opened + timedelta(days=rng.randint(30, 180))) if stage == CaseStage.CLOSED else None
                worker = rng.choice(worker_ids)
                source = rng.choices(CaseSource.values, weights=(25, 55, 20))[0]
                at = self._at(opened, rng)
                cases.add({
                    "id": pk, "number": f"{prefix}{seq:04d}", "region_id": person["village"], "recipient_id": person["pk"],
                    "worker_id": worker, "supervisor_id": county.supervisor.pk, "source": source,
                    "source_detail": "村委会" if source == CaseSource.REFERRAL else "",
                    "source_visit_id": first_visit.get(person["pk"]) if source == CaseSource.OUTREACH else None,
                    "stage": stage, "opened_on": opened, "problem": rng.choice(PROBLEMS),
                    "assessment": "已完成需求预估" if reach >= 1 else "",
                    "review_summary": "服务目标基本达成" if reach >= 4 else "",
                    "closure_reason": rng.choices(ClosureReason.values[:4], weights=(80, 10, 5, 5))[0] if closed_on else "",
                    "closure_summary": "服务目标达成，结案" if closed_on else "", "closed_on": closed_on,
                    "created_by_id": worker, "created_at": at, "updated_at": at,
                })
                timeline.add({"recipient_id": person["pk"], "occurred_at": at, "kind": "case_opened", "actor_id": worker,
                              "summary": self.lines.case % {"number": f"{prefix}{seq:04d}", "source": self.lines.sources[source]},
                              "link": f"/casework/cases/{pk}/"})
                span = ((closed_on or min(o.end, opened + timedelta(days=20 * reach + 1))) - opened).days
                for step in range(reach + 1):
                    when = opened + timedelta(days=span * step // max(1, reach))
                    changes.add({"case_id": pk, "old_stage": STAGE_PATH[step - 1] if step else "", "new_stage": STAGE_PATH[step],
                                 "changed_by_id": county.supervisor.pk if STAGE_PATH[step] in (CaseStage.INTERVENTION, CaseStage.CLOSED) else worker,
                                 "changed_at": self._at(when)})
        return {"cases": cases.flush(), "stage_changes": changes.flush(), "timeline": timeline.flush()}

    def _groups(self, code, township, active, worker_ids) -> dict[str, int]:
        o = self.o
        rng = _rng(o.seed, code, "groups")
        groups = BulkTable(Group, with_pk=True, now=self.now)
        members = BulkTable(GroupMember, with_pk=True, now=self.now)
        sessions = BulkTable(GroupSession, with_pk=True, now=self.now)
        attendance = BulkTable(SessionAttendance, with_pk=False, now=self.now)
        timeline = BulkTable(TimelineEntry, with_pk=False, now=self.now)
        for year in range(o.first_year, o.end.year + 1):
            last = min(date(year, 11, 30), o.end)
            if last < date(year, 1, 1):
                continue
            for group_pk in self._ids(Group, rng.randint(*GROUPS_PER_YEAR)):
                title, goal = rng.choice(GROUP_TOPICS)
                starts = _day_between(rng, date(year, 1, 1), last)
                n_sessions = rng.randint(*GROUP_SESSIONS)
                days = [starts + timedelta(days=7 * k) for k in range(n_sessions)]
                held = [d for d in days if d <= o.end]
                leader = rng.choice(worker_ids)
                at = self._at(starts)
                status = GroupStatus.FINISHED if len(held) == n_sessions else GroupStatus.RUNNING
                groups.add({"id": group_pk, "region_id": township.code, "name": f"{township.name}{title}", "goal": goal,
                            "leader_id": leader, "starts_on": starts, "ends_on": days[-1], "status": status,
                            "created_by_id": leader, "created_at": at, "updated_at": at})
                chosen = rng.sample(active, min(len(active), rng.randint(*GROUP_MEMBERS)))
                chosen.sort(key=lambda p: p["pk"])
                member_ids = self._ids(GroupMember, len(chosen))
                for person, member_pk in zip(chosen, member_ids, strict=True):
                    members.add({"id": member_pk, "group_id": group_pk, "recipient_id": person["pk"], "joined_on": starts})
                    timeline.add({"recipient_id": person["pk"], "occurred_at": at, "kind": "group_joined", "actor_id": leader,
                                  "summary": self.lines.group % {"group": f"{township.name}{title}"}, "link": f"/casework/groups/{group_pk}/"})
                for number, (day, session_pk) in enumerate(zip(held, self._ids(GroupSession, len(held)), strict=True), start=1):
                    stamp = self._at(day)
                    sessions.add({"id": session_pk, "group_id": group_pk, "number": number, "held_on": day,
                                  "topic": SESSION_TOPICS[min(number - 1, len(SESSION_TOPICS) - 1)],
                                  "record": "按计划开展，组员参与积极", "written_by_id": leader,
                                  "created_at": stamp, "updated_at": stamp})
                    for member_pk in member_ids:
                        attendance.add({"session_id": session_pk, "member_id": member_pk, "present": rng.random() < 0.85})
        return {"groups": groups.flush(), "group_members": members.flush(), "group_sessions": sessions.flush(),
                "attendance": attendance.flush(), "timeline": timeline.flush()}

    def _activities(self, code, township, villages, village_names, worker_ids) -> dict[str, int]:
        o = self.o
        rng = _rng(o.seed, code, "activities")
        table = BulkTable(Activity, with_pk=False, now=self.now)
        for year in range(o.first_year, o.end.year + 1):
            last = min(date(year, 12, 31), o.end)
            plan = [ActivityKind.ACTIVITY] * rng.randint(*ACTIVITIES_PER_YEAR) + [ActivityKind.PUBLICITY] * rng.randint(*PUBLICITY_PER_YEAR)
            for kind in plan:
                day = _day_between(rng, date(year, 1, 1), last)
                village = rng.choice(villages)
                organiser = rng.choice(worker_ids)
                at = self._at(day, rng)
                title = rng.choice(ACTIVITY_TITLES if kind == ActivityKind.ACTIVITY else PUBLICITY_TITLES)
                table.add({
                    "kind": kind, "region_id": village.code, "title": title, "held_on": day,
                    "place": f"{village_names.get(village.code, township.name)}{rng.choice(('文化广场', '村委会', '活动室'))}",
                    "participant_count": rng.randint(15, 120), "description": f"{title}顺利开展",
                    "organiser_id": organiser, "created_by_id": organiser, "created_at": at, "updated_at": at,
                })
        return {"activities": table.flush()}


def estimate(options: Options, townships: int) -> dict[str, int]:
    """What a run would write, roughly (for ``--dry-run``)."""
    years, per = options.years, options.per_township
    return {
        "townships": townships,
        "stations (reused when present)": townships,
        "workers (with accounts)": 3 * townships,
        "recipients": per * townships,
        "households (about)": int(per * townships / 1.45),
        "category memberships (about)": int(per * townships * 1.12),
        "visits (about)": int(per * townships * years * 0.93),
        "cases (about)": 5 * townships * years,
        "groups (about)": 5 * townships * years,
        "activities (about)": 10 * townships * years,
        "publicity events (about)": 4 * townships * years,
    }
