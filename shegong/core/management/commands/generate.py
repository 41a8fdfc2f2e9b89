"""``shegong generate``: deterministic synthetic data at county or province scale."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from shegong.synthetic.build import (
    DEFAULT_PER_TOWNSHIP,
    PRESETS,
    GenerateError,
    Generator,
    Options,
    estimate,
    townships_for,
)


class Command(BaseCommand):
    help = (
        "Write deterministic synthetic data on the real region tree: per county an operator and a supervisor; per "
        "township a station, 2-4 social workers with accounts, recipients (valid, unique, encrypted ID numbers) in "
        "households with categories, and --years years of home visits, cases, groups and activities. "
        "Each file gets its timeline (registered, visits, cases opened, groups joined); status changes are not written. Refuses townships that already hold "
        "generated data. --preset county: 海城市 (the shipped slice); --preset province: 辽宁省 (load the national "
        "region set first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
        parser.add_argument("--townships", type=int, default=None, help="only the first N townships of the preset")
        parser.add_argument("--per-township", type=int, default=DEFAULT_PER_TOWNSHIP, help="recipients per township")
        parser.add_argument("--years", type=int, default=3, help="years of history, the last one ending on --end")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--end", type=date.fromisoformat, default=None,
                            help="last day of the history, YYYY-MM-DD (default today; fix it for identical data on another day)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be written, write nothing")

    def handle(self, *args, preset, townships, per_township, years, seed, end, dry_run, **options):
        if per_township < 1 or years < 1 or (townships is not None and townships < 1):
            raise CommandError("--per-township, --years and --townships must be at least 1.")
        opts = Options(seed=seed, per_township=per_township, years=years, end=end or date.today())
        try:
            chosen = townships_for(preset, townships)
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        code = PRESETS[preset][0]
        self.stdout.write(
            f"{preset} {code}: {len(chosen)} townships ({chosen[0].code} … {chosen[-1].code}), {per_township} recipients "
            f"each, {years} years to {opts.end}, seed {seed}"
        )
        if dry_run:
            for what, count in estimate(opts, len(chosen)).items():
                self.stdout.write(f"  {what}: {count:,}")
            self.stdout.write("Dry run: nothing written.")
            return
        try:
            totals = Generator(opts, out=self.stdout.write).run(chosen)
        except GenerateError as exc:
            raise CommandError(str(exc)) from exc
        seconds = totals.pop("seconds")
        rows = sum(totals.values())
        for what, count in totals.items():
            self.stdout.write(f"  {what}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"{rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 0.001):,.0f} rows/s)"))
