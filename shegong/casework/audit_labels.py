"""Labels of this app's audit actions (added to core.audit.ACTION_LABELS when the app is ready).

One dict per area, so each area keeps its own."""

from django.utils.translation import gettext_lazy as _

VISIT_LABELS: dict = {
    "casework.visit_create": _("Home visit recorded"),
    "casework.visit_update": _("Home visit changed"),
    "casework.visit_export": _("Home visits exported"),
    "casework.plan_run": _("Visits planned"),
    "casework.plan_assign": _("Planned visit assigned"),
}
CASE_LABELS: dict = {
    "casework.case_open": _("Case opened"),
    "casework.case_assess": _("Case assessment recorded"),
    "casework.case_submit_plan": _("Case plan submitted for approval"),
    "casework.case_approve_plan": _("Case plan approved"),
    "casework.case_return_plan": _("Case plan returned with comments"),
    "casework.case_record_add": _("Case service record added"),
    "casework.case_start_review": _("Case review started"),
    "casework.case_continue_service": _("Case service continued after review"),
    "casework.case_submit_closure": _("Case closure proposed"),
    "casework.case_approve_closure": _("Case closed"),
    "casework.case_return_closure": _("Case closure returned with comments"),
    "casework.case_reopen": _("Case reopened"),
    "casework.case_update": _("Case changed"),
    "casework.case_note_add": _("Confidential case note written"),
    "casework.case_note_read": _("Confidential case notes read"),
    "casework.case_assign": _("Case assigned"),
    "casework.case_transfer": _("Case transferred"),
}
GROUP_LABELS: dict = {
    "casework.group_create": _("Group created"),
    "casework.group_update": _("Group changed"),
    "casework.group_member_add": _("Group member added"),
    "casework.group_member_leave": _("Group member left"),
    "casework.group_session_add": _("Group session recorded"),
    "casework.group_session_update": _("Group session changed"),
}
ACTIVITY_LABELS: dict = {
    "casework.activity_create": _("Activity recorded"),
    "casework.activity_update": _("Activity changed"),
    "casework.activity_delete": _("Activity deleted"),
    "casework.activity_export": _("Activities exported"),
}
CATALOGUE_LABELS: dict = {
    "casework.catalogue_apply": _("Service catalogue preset applied"),
    "casework.catalogue_domain_add": _("Service domain added"),
    "casework.catalogue_domain_update": _("Service domain changed"),
    "casework.catalogue_item_add": _("Service item added"),
    "casework.catalogue_item_update": _("Service item changed"),
    "casework.catalogue_item_retire": _("Service item retired"),
    "casework.catalogue_item_restore": _("Service item back in use"),
    "casework.catalogue_reorder": _("Service catalogue reordered"),
}
ATTACHMENT_LABELS: dict = {
    "casework.attachment_add": _("Casework attachment added"),
    "casework.attachment_view": _("Casework attachment opened"),
    "casework.attachment_remove": _("Casework attachment removed"),
}

ALL_LABELS = (VISIT_LABELS, CASE_LABELS, GROUP_LABELS, ACTIVITY_LABELS, CATALOGUE_LABELS, ATTACHMENT_LABELS)

__all__ = ["_", "ALL_LABELS"]
