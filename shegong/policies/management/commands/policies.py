"""shegong policies preset NAME --region CODE [--valid-from DATE] | shegong policies show --region CODE [--on DATE]"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shegong.policies import services
from shegong.policies.parameters import PARAMETERS
from shegong.policies.presets import PRESETS
from shegong.policies.selectors import policy_for
from shegong.regions.models import Region


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {value}") from exc


class Command(BaseCommand):
    help = "政策配置 / Policy profiles: apply a preset, show the rules in force."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        preset = sub.add_parser("preset", help="apply a preset programme to a region")
        preset.add_argument("name", help=f"one of: {', '.join(PRESETS)}")
        preset.add_argument("--region", required=True)
        preset.add_argument("--valid-from", default=None, help="YYYY-MM-DD (default: today)")
        show = sub.add_parser("show", help="the rules in force for a region on a day")
        show.add_argument("--region", required=True)
        show.add_argument("--on", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, action, region, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"行政区划代码 {region} 不存在 / unknown region code {region}")
        today = timezone.localdate()
        if action == "preset":
            valid_from = _date(options["valid_from"]) if options["valid_from"] else today
            try:
                version = services.preset_apply(actor=None, preset=options["name"], region=place, valid_from=valid_from)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            self.stdout.write(f"已应用 / applied: {version}")
            return
        on = _date(options["on"]) if options["on"] else today
        resolved = policy_for(place.code, on)
        if not resolved.values:
            self.stdout.write(f"{place.full_name()} 在 {on} 没有生效的政策配置 / no rules in force")
            return
        for key, value in resolved.values.items():
            self.stdout.write(f"{PARAMETERS[key].label}: {value}  ← {resolved.source(key)}")
