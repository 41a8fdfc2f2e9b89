"""Blocks any casework page can drop in for its record:

    {% load casework_records %}
    {% record_attachments visit %}            photos and documents, with the upload control
    {% record_referrals visit visit.recipient %}   referrals made from the record, with "refer"

Each reads through ``visible_to`` in a constant number of queries."""

from django import template

from .. import attachments, referrals

register = template.Library()


def _with_request(context, values: dict) -> dict:
    values["request"] = context.get("request")
    values["csrf_token"] = context.get("csrf_token")
    return values


@register.inclusion_tag("casework/_attachments.html", takes_context=True)
def record_attachments(context, owner):
    """The attachment block of ``owner`` (a visit, case, group, group session or activity)."""
    return _with_request(context, attachments.section_context(owner, context["request"].user))


@register.inclusion_tag("casework/_referrals.html", takes_context=True)
def record_referrals(context, owner, recipient=None):
    """The referrals made from ``owner``; ``recipient`` preselects the person of the "refer" form."""
    return _with_request(context, referrals.section_context(owner, context["request"].user, recipient))
