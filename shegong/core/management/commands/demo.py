"""shegong demo: build the 海城市 demo world and serve it at http://127.0.0.1:8000.

Runs the migrations, loads the real regions of 海城市 shipped with the package, creates a demo
operator and a few people in every role, prints their logins (new passwords on every run: none is
stored anywhere readable) and starts the server. Safe to run again: nothing is duplicated.
"""

import os

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
        if not no_serve:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.print_logins(logins, addr)
        if no_serve:
            return
        os.environ["SHEGONG_RELAX_SECOND_FACTOR"] = "1"
        settings.SHEGONG_RELAX_SECOND_FACTOR = True
        call_command("runserver", addr, use_reloader=False, use_threading=True)

    @transaction.atomic
    def build_people(self):
        townships = list(Region.objects.filter(code__startswith=COUNTY, level=4).order_by("code")[:2])
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
