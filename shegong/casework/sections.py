"""Sections this app adds to the recipient file (visits, cases, groups, activities)."""
