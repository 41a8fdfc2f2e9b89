"""Hand-built recipients rows for tests (valid ID numbers, encrypted like the real thing)."""

from __future__ import annotations

from datetime import date

from shegong.recipients import idnumber, services
from shegong.recipients.models import CategoryMembership, Household, NeedItem, NeedsAssessment, Recipient, Resource


def id_for(birth: date, seq: int = 1, county: str = "210381") -> str:
    """A valid 18-character ID number born on ``birth`` (odd ``seq``: male, even: female)."""
    return idnumber.with_check_digit(f"{county}{birth:%Y%m%d}{seq:03d}")


def village_of(township) -> str:
    """The code of the first village under a township Region (or the township itself)."""
    from shegong.regions.models import Region

    village = Region.objects.filter(parent=township).order_by("code").first()
    return village.code if village else township.code


def make_recipient(region_code: str, name: str = "张三", *, id_number: str | None = None, phone: str = "",
                   categories=("dibao",), household=None, status="new", on=date(2025, 1, 1), **fields) -> Recipient:
    """A recipient written directly (no permission check): for arranging tests."""
    recipient = Recipient(region_id=region_code, household=household, status=status, **fields)
    services.set_name(recipient, name)
    if id_number:
        services.set_id_number(recipient, idnumber.parse(id_number))
    if phone:
        services.set_phone(recipient, phone)
    recipient.save()
    CategoryMembership.objects.bulk_create(
        [CategoryMembership(recipient=recipient, category=c, started_on=on) for c in categories]
    )
    return recipient


def make_household(region_code: str, head_name: str = "张三", **fields) -> Household:
    return Household.objects.create(region_id=region_code, head_name=head_name, **fields)


def make_assessment(household, on=date(2025, 3, 1), needs=(("health", "需要定期体检"),)) -> NeedsAssessment:
    assessment = NeedsAssessment.objects.create(household=household, assessed_on=on, summary="入户评估")
    for domain, text in needs:
        NeedItem.objects.create(assessment=assessment, domain=domain, description=text)
    return assessment


def make_resource(region_code: str, name: str = "爱心志愿服务队", kind: str = "volunteer_team", checked_on=date(2025, 1, 1)) -> Resource:
    return Resource.objects.create(region_id=region_code, name=name, kind=kind, checked_on=checked_on, services="上门探访")
