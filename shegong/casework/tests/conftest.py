"""Fixtures of the casework tests."""

import pytest


@pytest.fixture
def english(people):
    """The people of the ``people`` fixture read the pages in English (their profile's choice), so a
    test can match a message by its English words; the Chinese pages are checked by
    core/tests/test_language.py."""
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")
    return people
