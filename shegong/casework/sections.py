"""Sections this app adds to the recipient file (visits, cases, groups, activities)."""

from shegong.recipients.sections import RECIPIENT_FILE_SECTIONS

from .views_cases import SECTION_TEMPLATE as _CASES_TEMPLATE
from .views_cases import cases_section

if (_CASES_TEMPLATE, cases_section) not in RECIPIENT_FILE_SECTIONS:
    RECIPIENT_FILE_SECTIONS.append((_CASES_TEMPLATE, cases_section))

from .views_visits import SECTION_TEMPLATE as _VISITS_TEMPLATE  # noqa: E402
from .views_visits import visits_section  # noqa: E402

if (_VISITS_TEMPLATE, visits_section) not in RECIPIENT_FILE_SECTIONS:
    RECIPIENT_FILE_SECTIONS.append((_VISITS_TEMPLATE, visits_section))
