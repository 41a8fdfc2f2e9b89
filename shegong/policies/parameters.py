"""Every threshold a policy profile can hold: its key, type, unit and what it means.

Code never writes these numbers as literals: it asks the resolved profile
(:func:`shegong.policies.selectors.policy_for`) and reports which profile and version answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Parameter:
    key: str
    label: str
    kind: str  # "int", "decimal", "rate" (0..1), "bool", "choice"
    unit: str = ""
    choices: tuple[str, ...] = ()

    def clean(self, value):
        """Return ``value`` converted to this parameter's type, or raise ValidationError."""
        try:
            if self.kind == "int":
                if isinstance(value, bool) or int(value) != float(value) or int(value) < 0:
                    raise ValueError
                return int(value)
            if self.kind in ("decimal", "rate"):
                number = Decimal(str(value))
                if number < 0 or (self.kind == "rate" and number > 1):
                    raise ValueError
                return str(number)
            if self.kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError
                return value
            if self.kind == "choice":
                if value not in self.choices:
                    raise ValueError
                return value
        except (TypeError, ValueError, InvalidOperation):
            pass
        raise ValidationError(
            _("%(label)s: “%(value)s” is not a valid value."), params={"label": self.label, "value": value}
        )


EDUCATION_LEVELS = ("high_school", "vocational", "college", "bachelor", "master", "doctorate")
CADENCES = ("monthly", "quarterly", "half_year", "annual")

PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        # Staffing (DOMAIN §4)
        Parameter("staff_min_per_station", _("Minimum social workers per station"), "int", _("people")),
        Parameter("staff_min_small_township", _("Minimum professional social workers per station in a small township"), "int", _("people")),
        Parameter("small_township_population", _("Population below which a township counts as small"), "int", _("residents")),
        Parameter("staff_on_post_working_days", _("Working days after signing by which staff must be on post"), "int", _("working days")),
        # Hiring and qualifications
        Parameter("hire_max_age", _("Maximum age on hiring"), "int", _("years")),
        Parameter("hire_min_education", _("Minimum education on hiring"), "choice", choices=EDUCATION_LEVELS),
        Parameter("certificate_deadline_years", _("Years after taking the post to obtain the certificate"), "int", _("years")),
        Parameter("certificate_warning_months", _("Months before the certificate deadline to warn"), "int", _("months")),
        Parameter("pay_at_least_local_average", _("Pay must not be below the local average wage"), "bool"),
        # Training and supervision
        Parameter("training_hours_per_year", _("Training hours per worker per year"), "decimal", _("hours")),
        Parameter("supervision_hours_per_year", _("Supervision hours per worker per year"), "decimal", _("hours")),
        # Services (KPI targets)
        Parameter("cases_per_year_county", _("Cases per year, all workers of the county"), "int", _("cases")),
        Parameter("groups_per_year", _("Groups per station per year"), "int", _("groups")),
        Parameter("group_min_members", _("Members a valid group needs"), "int", _("people")),
        Parameter("group_min_sessions", _("Sessions a valid group needs"), "int", _("sessions")),
        Parameter("group_min_attendance", _("Attendance a valid group needs"), "rate"),
        Parameter("activities_per_year", _("Community activities per station per year"), "int", _("activities")),
        Parameter("publicity_per_year", _("Policy publicity events per station per year"), "int", _("events")),
        Parameter("visit_rate_new", _("Share of new recipients to visit"), "rate"),
        Parameter("visit_rate_others", _("Share of other recipients to visit per year"), "rate"),
        Parameter("visit_new_within_days", _("Days within which a new recipient is first visited"), "int", _("days")),
        Parameter("visit_every_days_high_risk", _("Visit a high-risk recipient every"), "int", _("days")),
        Parameter("visit_every_days_key", _("Visit a key recipient every"), "int", _("days")),
        Parameter("visit_every_days_general", _("Visit a general recipient every"), "int", _("days")),
        # Venue and coverage
        Parameter("station_min_area_m2", _("Minimum station office area"), "decimal", "m²"),
        Parameter("coverage_target", _("Share of townships with a station"), "rate"),
        # Reporting
        Parameter("operator_report_cadence", _("Operator reports to the bureau"), "choice", choices=CADENCES),
        Parameter("county_report_cadence", _("County reports to the city"), "choice", choices=CADENCES),
    ]
}


def clean_values(values: dict) -> dict:
    """Validate a mapping of parameter values; unknown keys and bad values raise ValidationError."""
    if not isinstance(values, dict):
        raise ValidationError(_("Policy values must be a mapping of parameter to value."))
    errors, cleaned = {}, {}
    for key, value in values.items():
        parameter = PARAMETERS.get(key)
        if parameter is None:
            errors[key] = _("Unknown policy parameter “%(key)s”.") % {"key": key}
            continue
        try:
            cleaned[key] = parameter.clean(value)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned
