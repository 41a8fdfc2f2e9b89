"""shegong demo builds 海城市 with people in every role, and can be run again."""

import pytest
from django.core.management import call_command

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def test_demo_builds_every_role_and_prints_working_logins(capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert Region.objects.filter(code__startswith="210381", level=4).count() >= 20
    held = set(User.objects.values_list("role_assignments__role", flat=True))
    assert held == set(Role.values)
    login = next(line for line in out.splitlines() if line.strip().startswith("hc_bureau "))
    username, password = login.split()[:2]
    assert User.objects.get(username=username).check_password(password)

    from shegong.policies.selectors import policy_for
    from shegong.stations.models import Station

    assert Station.objects.filter(kind="station").count() == Region.objects.filter(code__startswith="210381", level=4).count()
    assert Station.objects.filter(kind="hub").count() == 1
    rules = policy_for("210381001", __import__("datetime").date.today())
    assert rules["training_hours_per_year"] == "40" and rules["staff_min_per_station"] == 2

    call_command("demo", "--no-serve")  # again: nothing duplicated, fresh passwords
    again = capsys.readouterr().out
    assert User.objects.filter(username="hc_bureau").count() == 1
    assert Station.objects.filter(kind="hub").count() == 1
    new_password = next(line for line in again.splitlines() if line.strip().startswith("hc_bureau ")).split()[1]
    assert new_password != password and User.objects.get(username="hc_bureau").check_password(new_password)
