"""Writes on operators, stations and eight-haves evidence. Each atomic, permission-checked, audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.core.uploads import check_upload

from .models import Disclosure, Evidence, Operator, Station

STATION_FIELDS = (
    "name", "kind", "region", "status", "address", "venue_area", "rooms", "equipment", "township_population",
    "registration_number", "registered_on", "opened_on",
)


def normalise_credit_code(value: str) -> str:
    """Upper case, no spaces or dashes, full-width characters made half-width."""
    value = (value or "").translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    return uscc.compact(value).upper()


def _require(actor, rule, region_code: str, operator_id=None) -> None:
    if actor is not None and not may_act_at(actor, rule, CHANGE, region_code, operator_id):
        raise PermissionDenied(_("This is outside your jurisdiction."))


@transaction.atomic
def operator_register(*, actor, name: str, credit_code: str, region, **details) -> Operator:
    """Register a social work organisation (承接主体) with its unified social credit code."""
    _require(actor, Operator.scope, region.code)
    code = normalise_credit_code(credit_code)
    if Operator.objects.filter(credit_code=code).exists():
        raise ValidationError({"credit_code": _("An operator with this credit code is already registered.")})
    operator = Operator(name=name.strip(), credit_code=code, region=region, **details)
    operator.full_clean()
    operator.save()
    audit.record("operator.register", obj=operator, actor=actor, detail={"credit_code": code})
    return operator


@transaction.atomic
def operator_update(*, actor, operator: Operator, **changes) -> Operator:
    _require(actor, Operator.scope, operator.region_id, operator.pk)
    before = {k: str(getattr(operator, k)) for k in changes}
    for key, value in changes.items():
        setattr(operator, key, value)
    operator.full_clean()
    operator.save()
    audit.record("operator.update", obj=operator, actor=actor, detail={"before": before})
    return operator


@transaction.atomic
def disclosure_add(*, actor, operator: Operator, kind: str, title: str, published_on, year=None, file=None, note="") -> Disclosure:
    """Publish one disclosure of an operator (basic information, qualifications, finances, experience)."""
    _require(actor, Disclosure.scope, operator.region_id, operator.pk)
    if file:
        check_upload(file)
    disclosure = Disclosure(operator=operator, kind=kind, title=title, year=year, note=note, published_on=published_on)
    if file:
        disclosure.file = file
    disclosure.full_clean()
    disclosure.save()
    audit.record("operator.disclose", obj=operator, actor=actor, detail={"kind": kind, "title": title})
    return disclosure


@transaction.atomic
def station_create(*, actor, name: str, kind: str, region, operator=None, **details) -> Station:
    """Register a station, hub or village room at its place."""
    _require(actor, Station.scope, region.code, operator.pk if operator else None)
    station = Station(name=name.strip(), kind=kind, region=region, operator=operator, **details)
    station.full_clean()
    station.save()
    audit.record("station.create", obj=station, actor=actor, detail={"kind": kind})
    return station


@transaction.atomic
def station_update(*, actor, station: Station, **changes) -> Station:
    _require(actor, Station.scope, station.region_id, station.operator_id)
    before = {k: str(getattr(station, k)) for k in changes}
    for key, value in changes.items():
        setattr(station, key, value)
    station.full_clean()
    station.save()
    after = {k: str(getattr(station, k)) for k in changes}
    audit.record(
        "station.update", obj=station, actor=actor,
        detail={"changed": {k: [before[k], after[k]] for k in changes if before[k] != after[k]}},
    )
    return station


@transaction.atomic
def evidence_add(*, actor, station: Station, item: str, kind: str, file=None, note: str = "") -> Evidence:
    """Attach evidence for one eight-haves item: a photo, a file or a note."""
    _require(actor, Station.scope, station.region_id, station.operator_id)
    if kind in (Evidence.Kind.FILE, Evidence.Kind.PHOTO):
        if not file:
            raise ValidationError({"file": _("Attach the file.")})
        check_upload(file, images_only=kind == Evidence.Kind.PHOTO)
    evidence = Evidence(station=station, item=item, kind=kind, note=note, created_by=actor)
    if file:
        evidence.file = file
    evidence.full_clean()
    evidence.save()
    audit.record("station.evidence_add", obj=evidence, actor=actor, detail={"item": item, "kind": kind})
    return evidence
