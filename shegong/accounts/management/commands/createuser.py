"""shegong createuser --role ROLE --region CODE: create an account from the command line."""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shegong.accounts import services
from shegong.accounts.roles import Role
from shegong.regions.models import Region
from shegong.stations.models import Operator


class Command(BaseCommand):
    help = "创建用户并授予角色 / Create a user with a role over a region."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="region code (2/4/6/9 digits); omit only for a nationwide admin")
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="", help="full name (姓名)")
        parser.add_argument("--operator", type=int, help="operator id, for operator-bound roles")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input instead of generating one"
        )

    def handle(self, *args, role, region, username, name, operator, password_stdin, **options):
        region_obj = None
        if region:
            region_obj = Region.objects.filter(code=region).first()
            if region_obj is None:
                raise CommandError(f"行政区划代码 {region} 不存在（先运行 shegong regions load） / unknown region code {region}")
        operator_obj = None
        if operator is not None:
            operator_obj = Operator.objects.filter(pk=operator).first()
            if operator_obj is None:
                raise CommandError(f"承接主体 {operator} 不存在 / unknown operator {operator}")
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
        try:
            user, password = services.user_create(
                actor=None,
                username=username,
                name=name or username,
                role=role,
                region=region_obj,
                operator=operator_obj,
                password=password,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已创建 / created: {user.username} ({Role(role).label}, {region_obj or '全国'})")
        if not password_stdin:
            self.stdout.write(f"初始密码 / initial password: {password}")
