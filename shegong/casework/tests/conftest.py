"""Fixtures of the casework tests."""

import pytest
from django.utils import translation


@pytest.fixture
def english(people):
    """The people of the ``people`` fixture read the pages in English (their profile's choice), and
    what services say outside a request is in English too, so a test can match a message by its
    English words; the Chinese pages are checked by core/tests/test_language.py."""
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")
    with translation.override("en"):
        yield people
