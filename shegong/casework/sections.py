"""Sections this app adds to the recipient file (cases, visits); imported by the app's ready()."""

from shegong.recipients.sections import RECIPIENT_FILE_SECTIONS

from . import views_cases, views_visits

for section in ((views_cases.SECTION_TEMPLATE, views_cases.cases_section),
                (views_visits.SECTION_TEMPLATE, views_visits.visits_section)):
    if section not in RECIPIENT_FILE_SECTIONS:
        RECIPIENT_FILE_SECTIONS.append(section)
