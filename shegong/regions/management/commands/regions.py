"""``shegong regions load [DIR] [--under CODE]``: load the administrative division tree."""

from django.core.management.base import BaseCommand, CommandError

from shegong.regions.loader import RegionLoadError, default_slice_dir, load_regions


class Command(BaseCommand):
    help = (
        "行政区划数据 / Administrative divisions. "
        "`regions load DIR` loads provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv from DIR "
        "(without DIR: the 海城市 demo slice shipped with Shegong)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        load = actions.add_parser(
            "load",
            help="导入区划 CSV 文件 / load the region CSV files",
            description=(
                "检查并导入区划文件；有任何错误则不写入任何数据。 / "
                "Check and load the region files; if anything is wrong, nothing is written."
            ),
        )
        load.add_argument(
            "directory",
            nargs="?",
            metavar="DIR",
            help="含 provinces.csv … villages.csv 的目录（默认：随软件附带的海城市数据） / "
            "folder with provinces.csv … villages.csv (default: the shipped 海城市 slice)",
        )
        load.add_argument(
            "--under",
            metavar="CODE",
            help="只导入此代码下的区划及其上级 / load only this code's subtree and its ancestors",
        )

    def handle(self, *args, action, **options):
        if action == "load":
            self.load(options.get("directory"), options.get("under"))

    def load(self, directory, under):
        directory = directory or default_slice_dir()
        try:
            report = load_regions(directory, under=under)
        except RegionLoadError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                f"{exc.total} 处错误，未写入任何数据 / {exc.total} error(s), nothing was written"
            ) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
