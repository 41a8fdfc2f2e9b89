"""shegong catalogue apply PRESET --region CODE | shegong catalogue show --region CODE [--retired]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shegong.casework import services_catalogue
from shegong.casework.catalogue import catalogue_in_force
from shegong.casework.catalogue_presets import CATALOGUE_PRESETS
from shegong.policies.models import PolicyProfile
from shegong.policies.services import profile_create
from shegong.regions.models import Region


class Command(BaseCommand):
    help = "服务清单 / Service catalogue: apply a preset to a region's policy profile, show the catalogue in force."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="add a preset's domains and items to the profile of a region")
        apply.add_argument("preset", help=f"one of: {', '.join(CATALOGUE_PRESETS)}")
        apply.add_argument("--region", required=True)
        show = sub.add_parser("show", help="the catalogue in force at a region")
        show.add_argument("--region", required=True)
        show.add_argument("--retired", action="store_true", help="list retired items too")

    def handle(self, *args, action, region, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"行政区划代码 {region} 不存在 / unknown region code {region}")
        if action == "apply":
            self.apply(place, options["preset"])
        else:
            self.show(place, options["retired"])

    def apply(self, place, preset):
        if preset not in CATALOGUE_PRESETS:
            raise CommandError(f"未知的服务清单预设 / unknown catalogue preset {preset}: {', '.join(CATALOGUE_PRESETS)}")
        profile = PolicyProfile.objects.filter(region=place).first()
        if profile is None:
            profile = profile_create(actor=None, name=f"{place.full_name()}（服务清单）", region=place)
            self.stdout.write(f"已新建政策配置 / profile created: {profile.name}")
        try:
            added = services_catalogue.apply_catalogue_preset(None, profile, preset)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"已应用 / applied {preset} → {profile.name}: "
            f"新增领域 {added['domains']} 个、服务 {added['items']} 项 / {added['domains']} domains, {added['items']} items added"
        )

    def show(self, place, retired):
        profile, domains = catalogue_in_force(place.code, active_only=not retired)
        if profile is None:
            self.stdout.write(f"{place.full_name()} 没有生效的服务清单 / no service catalogue in force")
            return
        self.stdout.write(f"{place.full_name()} · 服务清单来自 / from: {profile.name} ({profile.region_id})")
        for domain in domains:
            kind = f" [{domain.get_kind_display()}]" if domain.kind else ""
            self.stdout.write(f"{domain.code} {domain.name}{kind}")
            for item in domain.items.all():
                mark = "" if item.active else "  (停用 / retired)"
                self.stdout.write(f"  {item.code} {item.name}{mark}")
