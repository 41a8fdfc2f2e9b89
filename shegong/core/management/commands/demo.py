"""shegong demo: build the 海城市 demo world and serve it at http://127.0.0.1:8000.

Runs the migrations, loads the real regions of 海城市 shipped with the package, creates a demo
operator and a few people in every role, prints their logins (new passwords on every run: none is
stored anywhere readable) and starts the server, with one background worker beside it. Safe to run again: nothing is duplicated.
"""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum.cn import uscc

from shegong.accounts import services as account_services
from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.regions.loader import default_slice_dir, load_regions
from shegong.regions.models import Region
from shegong.stations.models import Operator

COUNTY = "210381"  # 海城市

# Fictional people; the places are real.
OPERATOR = {"name": "海城市阳光社会工作服务中心", "base": "52210381MJ0A1B2C3"}
PEOPLE = [
    ("ln_bureau", "周振华", Role.BUREAU, "21", False),
    ("as_bureau", "吴晓燕", Role.BUREAU, "2103", False),
    ("hc_bureau", "王建国", Role.BUREAU, COUNTY, False),
    ("hc_bureau2", "刘淑芬", Role.BUREAU, COUNTY, False),
    ("hz_officer", "李秀梅", Role.TOWNSHIP_OFFICER, "first", False),
    ("xh_officer", "孙立军", Role.TOWNSHIP_OFFICER, "second", False),
    ("op_manager", "张伟", Role.OPERATOR_MANAGER, COUNTY, True),
    ("hz_lead", "陈静", Role.STATION_LEAD, "first", True),
    ("hz_worker", "赵磊", Role.WORKER, "first", True),
    ("hz_worker2", "马丽娟", Role.WORKER, "first", True),
    ("xh_worker", "何佳怡", Role.WORKER, "second", True),
    ("hc_supervisor", "郑海燕", Role.SUPERVISOR, COUNTY, True),
    ("hc_evaluator", "高明", Role.EVALUATOR, COUNTY, False),
    ("sys_admin", "林涛", Role.ADMIN, "21", False),
]


DEMO_EVIDENCE = {
    "place": "镇政府院内一楼两间办公室，已挂牌使用",
    "staff": "驻站社工 3 名，花名册已备案",
    "equipment": "电脑、打印机、档案柜已配齐",
    "signboard": "“中国社会工作标识 + 社会工作服务站”标牌已悬挂",
    "organisation": "由海城市阳光社会工作服务中心运营",
    "rules": "值班、档案、督导、财务等制度上墙",
    "service": "入户走访、个案、小组、社区活动按月开展",
    "results": "上半年服务对象满意度回访 96%",
}


class Command(BaseCommand):
    help = "构建并启动演示环境（海城市） / Build the 海城市 demo world and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build the demo data only")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")

    def handle(self, *args, no_serve, addr, **options):
        call_command("migrate", interactive=False, verbosity=0)
        report = load_regions(default_slice_dir())
        self.stdout.write(f"行政区划 / regions: 新增 {report.added}，变更 {report.changed}，未变 {report.unchanged}")
        logins = self.build_people()
        # The app demos write through services, but also in bulk (registration dates set with
        # update(), categories with bulk_create): the rollups are recounted once at the end instead.
        from shegong.monitoring import rollups

        with rollups.suspended():
            self.build_programme()
        written = rollups.rebuild(COUNTY)
        self.stdout.write(f"看板汇总 / rollups: {written} 行 / rows")
        from shegong.reports import demo as reports_demo  # reports read the rollups: after them

        reports_demo.build(county=Region.objects.get(code=COUNTY))
        if not no_serve:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.print_logins(logins, addr)
        if no_serve:
            return
        os.environ["SHEGONG_RELAX_SECOND_FACTOR"] = "1"
        settings.SHEGONG_RELAX_SECOND_FACTOR = True
        # Large imports run in the background: the demo starts one worker beside the server.
        worker = subprocess.Popen([sys.executable, "-m", "shegong.cli", "worker"], env=os.environ.copy())
        self.stdout.write("后台任务进程已启动 / background worker started")
        try:
            call_command("runserver", addr, use_reloader=False, use_threading=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    @transaction.atomic
    def build_people(self):
        townships = list(Region.objects.filter(code__under=COUNTY, level=4).order_by("code")[:2])
        places = {"first": townships[0].code, "second": townships[1].code}
        county = Region.objects.get(code=COUNTY)
        code = OPERATOR["base"] + uscc.calc_check_digit(OPERATOR["base"])
        operator, _ = Operator.objects.get_or_create(
            credit_code=code, defaults={"name": OPERATOR["name"], "region": county}
        )
        logins = []
        for username, name, role, where, bound in PEOPLE:
            region = Region.objects.get(code=places.get(where, where))
            user = User.objects.filter(username=username).first()
            if user is None:
                user, password = account_services.user_create(
                    actor=None,
                    username=username,
                    name=name,
                    role=role,
                    region=region,
                    operator=operator if bound else None,
                )
            else:
                password = account_services.generate_password()
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            logins.append((username, password, name, user.role_assignments.first()))
        return logins

    @transaction.atomic
    def build_programme(self):
        """Rules, stations with their eight-haves evidence, then each app's own demo data."""
        import random
        from datetime import date
        from decimal import Decimal

        from django.utils import timezone

        from shegong.casework import demo as casework_demo
        from shegong.contracts import demo as contracts_demo
        from shegong.policies.models import PolicyProfile
        from shegong.policies.services import preset_apply, profile_create, version_add
        from shegong.recipients import demo as recipients_demo
        from shegong.stations.models import EightHaves, Evidence, Station
        from shegong.workforce import demo as workforce_demo

        county = Region.objects.get(code=COUNTY)
        province = Region.objects.get(code="21")
        start = date(2024, 1, 1)
        if not PolicyProfile.objects.filter(region=province).exists():
            profile = profile_create(actor=None, name="辽宁省乡镇（街道）社工站基本要求（演示数据）", region=province)
            version_add(
                actor=None, profile=profile, valid_from=start, note="演示数据",
                values={"staff_min_per_station": 2, "hire_max_age": 45, "hire_min_education": "college",
                        "certificate_deadline_years": 3, "certificate_warning_months": 6,
                        "station_min_area_m2": "40", "county_report_cadence": "quarterly"},
            )
        if not PolicyProfile.objects.filter(region=county).exists():
            preset_apply(actor=None, preset="haicheng", region=county, valid_from=start, name="海城市社工站项目（seed 001）")

        operator = Operator.objects.get(credit_code=OPERATOR["base"] + uscc.calc_check_digit(OPERATOR["base"]))
        rng = random.Random(210381)
        townships = list(Region.objects.filter(code__under=COUNTY, level=4).order_by("code"))
        stations = []
        for index, township in enumerate(townships):
            station, created = Station.objects.get_or_create(
                region=township, kind=Station.Kind.STATION,
                defaults={
                    "name": f"{township.name}社会工作服务站",
                    "operator": operator,
                    "status": Station.Status.OPERATING if index < 22 else Station.Status.PLANNED,
                    "address": f"海城市{township.name}人民政府院内",
                    "venue_area": Decimal(rng.choice([32, 45, 60, 80, 120])),
                    "rooms": ["社工办公室", "个案工作室", "小组活动室"][: rng.randint(1, 3)],
                    "equipment": ["电脑 2 台", "打印机 1 台", "档案柜 2 个"][: rng.randint(1, 3)],
                    "township_population": rng.randint(18000, 90000),
                    "opened_on": date(2024, rng.randint(3, 9), rng.randint(1, 28)) if index < 22 else None,
                },
            )
            if created and index < 22:
                for item in rng.sample(list(EightHaves.values), rng.randint(3, 8)):
                    Evidence.objects.create(station=station, item=item, kind=Evidence.Kind.NOTE, note=DEMO_EVIDENCE[item])
            stations.append(station)
        Station.objects.get_or_create(
            region=county, kind=Station.Kind.HUB,
            defaults={"name": "海城市社工总站", "operator": operator, "status": Station.Status.OPERATING,
                      "address": "海城市民政局", "venue_area": Decimal("150")},
        )
        today = timezone.localdate()
        covered = stations[:3]
        contracts_demo.build(county=county, operator=operator, stations=covered, today=today)
        workforce_demo.build(county=county, operator=operator, stations=covered, today=today)
        recipients_demo.build(townships=[s.region for s in covered], today=today)
        casework_demo.build(townships=[s.region for s in covered], today=today)

    def print_logins(self, logins, addr):
        width = max(len(u) for u, *_ in logins)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"演示环境已就绪 / demo ready: http://{addr}/"))
        self.stdout.write("演示账号（密码每次运行重新生成，仅在此显示） / demo logins (new passwords on every run):")
        for username, password, name, assignment in logins:
            place = assignment.region.name if assignment and assignment.region_id else "全国"
            label = assignment.label if assignment else ""
            self.stdout.write(f"  {username.ljust(width)}  {password}  {name} · {label} · {place}")
        self.stdout.write("演示环境已放宽二次验证；生产环境不可开启。 / second factor relaxed for the demo only.")
        self.stdout.write("")
