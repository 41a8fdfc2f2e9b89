"""The programmes of the five source documents, as profile presets.

Each preset holds only the numbers its own document sets (DOMAIN.md §4 names the seed of each);
anything it leaves out is inherited from a wider profile, or reported as "no rule".
"""

from django.utils.translation import gettext_lazy as _

PRESETS = {
    "shanxi": {
        "label": _("Shanxi county-level city programme (seed 000)"),
        "values": {
            "staff_min_per_station": 2,
            "hire_max_age": 45,
            "hire_min_education": "college",
            "certificate_deadline_years": 3,
            "certificate_warning_months": 6,
            "coverage_target": "1",
            "operator_report_cadence": "monthly",
            "county_report_cadence": "quarterly",
        },
    },
    "haicheng": {
        "label": _("海城市 township station purchase (seed 001)"),
        "values": {
            "cases_per_year_county": 15,
            "groups_per_year": 5,
            "group_min_members": 6,
            "group_min_sessions": 4,
            "group_min_attendance": "0.6",
            "activities_per_year": 5,
            "publicity_per_year": 2,
            "visit_rate_new": "1",
            "visit_rate_others": "0.2",
            "training_hours_per_year": "40",
            "supervision_hours_per_year": "24",
            "staff_on_post_working_days": 15,
            "certificate_warning_months": 6,
            "coverage_target": "1",
            "operator_report_cadence": "monthly",
        },
    },
    "hainan": {
        "label": _("Hainan province station programme (seed 002)"),
        "values": {
            "staff_min_per_station": 3,
            "certificate_warning_months": 6,
            "coverage_target": "1",
            "operator_report_cadence": "monthly",
        },
    },
    "jieyang": {
        "label": _("揭阳 community social work centre (seed 003)"),
        "values": {
            "station_min_area_m2": "300",
            "certificate_warning_months": 6,
        },
    },
    "jiangsu": {
        "label": _("Jiangsu township station standard (seed 004)"),
        "values": {
            "staff_min_small_township": 3,
            "small_township_population": 50000,
            "training_hours_per_year": "30",
            "pay_at_least_local_average": True,
            "station_min_area_m2": "40",
            "certificate_warning_months": 6,
        },
    },
}
