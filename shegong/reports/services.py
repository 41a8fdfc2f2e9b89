"""Writes on reports: create, edit the text, submit, return, approve, correct. Each is atomic,
checked against the scope rule and :mod:`.rules`, and audited.

The figures are taken from the KPI engine when a report is created, again whenever it is submitted
(a returned report submitted anew shows the figures of that day), and never after approval: the
approved report, its figures and its files (stored on approval) stay as they are. A correction is
a new revision that supersedes it.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.concurrency import EditConflict, conflict_message, save_versioned
from shegong.monitoring.periods import Period
from shegong.regions.models import Region

from . import files, snapshot
from .models import SECTIONS, Kind, Report, ReportEvent, Status, kind_of
from .rules import may_review, may_write

log = logging.getLogger(__name__)
NARRATIVE = tuple(name for name, _heading in SECTIONS)
MAX_TEXT = 20000


def _event(report: Report, action: str, actor, comment: str = "") -> ReportEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return ReportEvent.objects.create(report=report, action=action, comment=comment, actor=user,
                                      actor_name=str(user) if user is not None else "")


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _locked(report: Report, expected_version: int | None) -> Report:
    """The report's row, locked for the rest of the transaction; a stale version is a conflict."""
    fresh = Report.objects.select_for_update().get(pk=report.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise EditConflict(conflict_message(), code="conflict")
    return fresh


def _check_write(actor, report: Report) -> None:
    if actor is not None and not may_write(actor, report):
        raise PermissionDenied(_("Only the writer of this report can do that."))


def _check_review(actor, report: Report) -> None:
    if actor is not None and not may_review(actor, report):
        raise PermissionDenied(_("Only the office this report goes to can review it."))


def _retake(report: Report, today: date | None = None) -> None:
    report.snapshot = snapshot.take(kind=report.kind, region=report.region, period=report.period,
                                    contract=report.contract, today=today)
    report.snapshot_at = timezone.now()


def new_report(*, period: Period, contract=None, region: Region | None = None) -> Report:
    """An unsaved report of ``period`` for ``contract`` (an operator report) or ``region`` (a place
    report), titled, without figures: what :func:`create_report` and the CLI start from."""
    kind = kind_of(period)
    if kind is None:
        raise ValidationError({"period": _("Reports cover a month, a quarter, a half-year or a year.")})
    if contract is not None:
        region = contract.purchaser_region
    if region is None:
        raise ValidationError({"region": _("Choose the place the report is about.")})
    if contract is None and (len(region.code) not in (4, 6) or (kind in (Kind.MONTHLY, Kind.QUARTERLY) and len(region.code) != 6)):
        raise ValidationError({"region": _("Monthly and quarterly reports are written for a county; half-year and "
                                           "annual reports for a county or a city.")})
    return Report(
        kind=kind, region=region, operator=contract.operator if contract is not None else None, contract=contract,
        period_key=period.key, period_start=period.start, period_end=period.end,
        title=snapshot.title_for(kind, region.name, period),
    )


@transaction.atomic
def create_report(*, actor, period: Period, contract=None, region: Region | None = None,
                  today: date | None = None) -> Report:
    """Start a report (a draft) with the figures of today. An operator manager writes its contract's
    report; a bureau official its own place's report."""
    today = today or timezone.localdate()
    report = new_report(period=period, contract=contract, region=region)
    _check_write(actor, report)
    errors = {}
    if period.start > today:
        errors["period"] = _("The period has not begun yet.")
    if contract is not None:
        if contract.status == contract.Status.DRAFT:
            errors["contract"] = _("The contract is not in force.")
        elif period.end < contract.period_start or period.start > contract.period_end:
            errors["period"] = _("The period lies outside the contract (%(start)s to %(end)s).") % {
                "start": contract.period_start.isoformat(), "end": contract.period_end.isoformat()}
    if errors:
        raise ValidationError(errors)
    existing = Report.objects.filter(kind=report.kind, region=report.region, operator=report.operator,
                                     period_key=report.period_key).order_by("-revision").first()
    if existing is not None:
        raise ValidationError({"period": _("There is already a report for this period: “%(title)s” (%(status)s).") % {
            "title": existing.title, "status": existing.get_status_display()}})
    report.created_by = _user(actor)
    _retake(report, today)
    report.save()
    _event(report, ReportEvent.Action.CREATED, actor)
    audit.record("report.create", obj=report, actor=actor,
                 detail={"kind": report.kind, "period": report.period_key, "contract": report.contract_id})
    return report


@transaction.atomic
def update_narrative(*, actor, report: Report, expected_version: int | None, **texts) -> Report:
    """Change the report's text (工作概述, 主要成效, 存在问题, 下阶段计划) while it is a draft or
    returned; ``expected_version`` is the version the writer read (else :class:`EditConflict`)."""
    unknown = set(texts) - set(NARRATIVE)
    if unknown:
        raise ValidationError(_("Unknown section: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    _check_write(actor, report)
    fresh = _locked(report, expected_version)
    if not fresh.editable:
        raise ValidationError(_("A submitted or approved report cannot be changed."))
    changed = []
    for name, text in texts.items():
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            raise ValidationError({name: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
        if getattr(fresh, name) != text:
            setattr(fresh, name, text)
            changed.append(name)
    save_versioned(fresh, fresh.version, [*changed, "updated_at"])
    if changed:
        audit.record("report.update", obj=fresh, actor=actor, detail={"sections": changed})
    return fresh


@transaction.atomic
def refresh_figures(*, actor, report: Report, expected_version: int | None = None) -> Report:
    """Take the figures of a draft or returned report again (submitting takes them anyway)."""
    _check_write(actor, report)
    fresh = _locked(report, expected_version)
    if not fresh.editable:
        raise ValidationError(_("The figures of a submitted or approved report cannot change."))
    _retake(fresh)
    save_versioned(fresh, fresh.version, ["snapshot", "snapshot_at"])
    return fresh


@transaction.atomic
def submit(*, actor, report: Report, expected_version: int | None = None) -> Report:
    """Send the report to its reviewer, with the figures of today."""
    _check_write(actor, report)
    fresh = _locked(report, expected_version)
    if fresh.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(_("Only a draft or a returned report can be submitted."))
    if not fresh.summary.strip():
        raise ValidationError({"summary": _("Write the summary of the work before submitting.")})
    _retake(fresh)
    fresh.status, fresh.submitted_by, fresh.submitted_at = Status.SUBMITTED, _user(actor), timezone.now()
    save_versioned(fresh, fresh.version, ["status", "submitted_by", "submitted_at", "snapshot", "snapshot_at"])
    _event(fresh, ReportEvent.Action.SUBMITTED, actor)
    audit.record("report.submit", obj=fresh, actor=actor, detail={"period": fresh.period_key, "revision": fresh.revision})
    return fresh


@transaction.atomic
def return_report(*, actor, report: Report, comment: str, expected_version: int | None = None) -> Report:
    """Send a submitted report back to its writer, saying what to change (a comment is required)."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should be changed: a returned report needs a comment.")})
    _check_review(actor, report)
    fresh = _locked(report, expected_version)
    if fresh.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    fresh.status, fresh.returned_by, fresh.returned_at, fresh.return_comment = (
        Status.RETURNED, _user(actor), timezone.now(), comment[:MAX_TEXT])
    save_versioned(fresh, fresh.version, ["status", "returned_by", "returned_at", "return_comment"])
    _event(fresh, ReportEvent.Action.RETURNED, actor, comment[:MAX_TEXT])
    audit.record("report.return", obj=fresh, actor=actor, detail={"comment": comment[:500]})
    return fresh


@transaction.atomic
def approve(*, actor, report: Report, comment: str = "", expected_version: int | None = None) -> Report:
    """Approve a submitted report. Its files are made now and stored: they never change again."""
    _check_review(actor, report)
    fresh = _locked(report, expected_version)
    if fresh.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    fresh.status, fresh.approved_by, fresh.approved_at = Status.APPROVED, _user(actor), timezone.now()
    stored = ["status", "approved_by", "approved_at"]
    for fmt in files.FORMATS:
        try:
            data = files.build(fresh, fmt)
        except files.PdfUnavailable as exc:  # made on demand later, with the same message
            log.warning("report %s approved without a stored PDF: %s", fresh.pk, exc)
            continue
        getattr(fresh, f"{fmt}_file").save(f"{fresh.period_key}.{fmt}", ContentFile(data), save=False)
        stored.append(f"{fmt}_file")
    save_versioned(fresh, fresh.version, stored)
    _event(fresh, ReportEvent.Action.APPROVED, actor, (comment or "").strip()[:MAX_TEXT])
    audit.record("report.approve", obj=fresh, actor=actor, detail={"period": fresh.period_key, "revision": fresh.revision})
    return fresh


@transaction.atomic
def correct(*, actor, report: Report, reason: str) -> Report:
    """Start a corrected revision of an approved report: a new draft with the same text and today's
    figures, which supersedes it once approved. The approved report is left exactly as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is corrected.")})
    _check_write(actor, report)
    old = Report.objects.select_for_update().get(pk=report.pk)
    if old.status != Status.APPROVED:
        raise ValidationError(_("Only an approved report is corrected; change a draft or returned report directly."))
    if Report.objects.filter(supersedes=old).exists():
        raise ValidationError(_("This report has already been corrected: change the newer revision."))
    new = Report(
        kind=old.kind, region=old.region, operator=old.operator, contract=old.contract, period_key=old.period_key,
        period_start=old.period_start, period_end=old.period_end, title=old.title, revision=old.revision + 1,
        supersedes=old, created_by=_user(actor), **{name: getattr(old, name) for name in NARRATIVE},
    )
    _retake(new)
    new.save()
    _event(old, ReportEvent.Action.CORRECTED, actor, reason[:MAX_TEXT])
    _event(new, ReportEvent.Action.CREATED, actor, reason[:MAX_TEXT])
    audit.record("report.correct", obj=new, actor=actor, detail={"supersedes": old.pk, "revision": new.revision,
                                                                 "reason": reason[:500]})
    return new


def record_download(*, actor, report: Report, fmt: str) -> None:
    audit.record("report.export", obj=report, actor=actor, detail={"format": fmt, "revision": report.revision})
