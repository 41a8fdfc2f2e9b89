"""shegong import recipients FILE --township CODE --user USERNAME [--reconcile] [--commit] [--confirm-gone]

Checks a township list exactly as the upload page does, as the given user (their jurisdiction,
audited under their name), prints what it would change and every error, and writes it only with
``--commit``. In reconcile mode the people no longer on the list are printed; ``--confirm-gone``
ends their categories (all of them — the page lets one choose).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.recipients import imports
from shegong.recipients.models import ImportKind, ImportState

SUMMARY = (
    ("rows", gettext_lazy("rows read")), ("new", gettext_lazy("new people")), ("updated", gettext_lazy("updated")), ("unchanged", gettext_lazy("unchanged")),
    ("category_changed", gettext_lazy("categories changed")), ("gone", gettext_lazy("no longer on the list")),
    ("duplicates", gettext_lazy("possible duplicates")), ("errors", gettext_lazy("errors")),
)
WRITTEN = (
    ("created", gettext_lazy("people registered")), ("updated", gettext_lazy("people updated")), ("households_created", gettext_lazy("new households")),
    ("categories_added", gettext_lazy("categories added")), ("categories_ended", gettext_lazy("categories ended")), ("closed", gettext_lazy("files closed")),
    ("duplicates_queued", gettext_lazy("possible duplicates to review")),
)


class Command(BaseCommand):
    help = "导入或比对服务对象名单 / Import (or reconcile) a township list of recipients."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["recipients"], help="what the list holds")
        parser.add_argument("file", help="the list: an .xlsx workbook or a .csv file")
        parser.add_argument("--township", required=True, help="9-digit code of the township the list belongs to")
        parser.add_argument("--user", required=True, help="username of the person importing (their rights apply)")
        parser.add_argument("--reconcile", action="store_true", help="the list is the township's complete current list for its categories")
        parser.add_argument("--commit", action="store_true", help="write the list (without it, only check and print)")
        parser.add_argument("--confirm-gone", action="store_true", help="with --reconcile --commit: end the categories of everyone no longer on the list")

    def handle(self, *args, what, file, township, user, reconcile, commit, confirm_gone, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user %(name)s.") % {"name": user})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": file})
        kind = ImportKind.RECONCILE if reconcile else ImportKind.IMPORT
        try:
            with path.open("rb") as fh:
                batch = imports.create_batch(actor, File(fh, name=path.name), township, kind)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", None) or [str(exc) or _("Not allowed.")])) from None
        imports.check(batch)
        self.stdout.write(f"{batch.original_name} → {batch.region.name} ({batch.get_kind_display()}), #{batch.pk}")
        if batch.state == ImportState.FAILED:
            raise CommandError(batch.message)
        self._print_preview(batch)
        if batch.summary.get("errors"):
            raise CommandError(_("The list has errors: nothing was written. Fix the rows and run again."))
        if not commit:
            self.stdout.write(_("Checked only: run again with --commit to write the list."))
            return
        gone = [g["recipient"] for g in batch.preview.get("gone", [])] if confirm_gone else []
        try:
            written = imports.commit(actor, batch, gone)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", None) or [str(exc)])) from None
        for key, label in WRITTEN:
            self.stdout.write(f"  {label}: {written.get(key, 0)}")
        self.stdout.write(self.style.SUCCESS(_("Written.")))

    def _print_preview(self, batch):
        summary, preview = batch.summary, batch.preview
        for key, label in SUMMARY:
            if key in summary:
                self.stdout.write(f"  {label}: {summary[key]}")
        if preview.get("unknown_columns"):
            self.stdout.write(_("Columns not read: %(cols)s") % {"cols": "、".join(preview["unknown_columns"])})
        for error in preview.get("errors", []):
            self.stdout.write(_("Row %(row)s, %(column)s: %(message)s") % error)
        if summary.get("errors", 0) > len(preview.get("errors", [])):
            self.stdout.write(_("… and more: see the error workbook on the import page."))
        for item in preview.get("gone", []):
            self.stdout.write(_("Not on the list: %(name)s %(id)s (%(village)s)") % item)
