"""What every page needs to draw its frame: navigation by role and the current region."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shegong.casework.models import CASEWORK_ROLES
from shegong.recipients.models import RECIPIENT_ROLES, RESOURCE_ROLES

from .scoping import assignments_of

# (url name, label, roles that see it; None = everyone signed in)
NAVIGATION = [
    ("core:home", _("Home"), None),
    ("monitoring:home", _("Dashboard"), {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "worker", "supervisor"}),
    ("stations:station_list", _("Stations"), {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "worker", "supervisor"}),
    ("stations:operator_list", _("Operators"), {"bureau", "admin", "operator_manager"}),
    ("contracts:contract_list", _("Contracts"), {"bureau", "admin", "operator_manager"}),
    ("reports:report_list", _("Reports"), {"bureau", "admin", "operator_manager", "township_officer"}),
    ("workforce:worker_list", _("Social workers"), {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor"}),
    ("workforce:session_list", _("Training and supervision"), {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor"}),
    ("recipients:resource_list", _("Resources"), set(RESOURCE_ROLES["view"])),
    ("recipients:recipient_list", _("Recipients"), set(RECIPIENT_ROLES["view"])),
    ("policies:in_force", _("Policy"), None),
    ("casework:catalogue", _("Service catalogue"), set(CASEWORK_ROLES["view"])),
    ("casework:visit_due", _("Home visits"), set(CASEWORK_ROLES["view"])),
    ("casework:case_list", _("Cases"), set(CASEWORK_ROLES["view"])),
    ("casework:group_list", _("Groups"), set(CASEWORK_ROLES["view"])),
    ("casework:activity_list", _("Activities"), set(CASEWORK_ROLES["view"])),
    ("monitoring:todo", _("To do"), None),
    ("regions:browse", _("Regions"), None),
    ("accounts:user_list", _("Users"), {"bureau", "admin", "township_officer", "operator_manager", "station_lead"}),
    ("core:audit_list", _("Audit log"), {"bureau", "admin", "township_officer"}),
    ("accounts:profile", _("My account"), None),
]


def primary_assignment(user):
    """The assignment whose place frames the user's pages: the widest region they hold."""
    held = assignments_of(user)
    if not held:
        return None
    return min(held, key=lambda a: (len(a.region_id or ""), a.region_id or "", a.role))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {a.role for a in assignments_of(user)}
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed is None or roles & allowed:
            url = reverse(name)
            current = request.path == url if name == "core:home" else request.path.startswith(url)
            items.append({"url": url, "label": label, "current": current})
    # Only the longest matching address is the current page (/monitoring/todo/ is not the dashboard).
    longest = max((len(i["url"]) for i in items if i["current"]), default=0)
    for item in items:
        item["current"] = item["current"] and len(item["url"]) == longest
    primary = primary_assignment(user)
    region_path = primary.region.path() if primary and primary.region_id else []
    return {"nav_items": items, "primary_assignment": primary, "region_path": region_path}
