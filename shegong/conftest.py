"""Shared test fixtures: the real 海城市 region slice, an operator, and one user per role.

Township A is 孤山镇-side (the county's first township), township B the second. Every role
fixture returns a user whose role assignment is real, so scoping is exercised exactly as in use.
"""

import pytest
from django.test import Client
from stdnum.cn import uscc

COUNTY = "210381"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the dashboards cache their figures between requests)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _plain_static(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads of a test stay in its own folder
    # The manifest storage needs collectstatic; tests serve static files through the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped region slice once per test database."""
    from shegong.regions.loader import default_slice_dir, load_regions

    with django_db_blocker.unblock():
        load_regions(default_slice_dir())


@pytest.fixture
def regions(db):
    from shegong.regions.loader import default_slice_dir, load_regions
    from shegong.regions.models import Region

    if not Region.objects.filter(code=COUNTY).exists():  # emptied by a transactional test
        load_regions(default_slice_dir())

    townships = list(Region.objects.filter(code__startswith=COUNTY, level=4).order_by("code")[:2])
    return {
        "province": Region.objects.get(code="21"),
        "city": Region.objects.get(code="2103"),
        "county": Region.objects.get(code=COUNTY),
        "township_a": townships[0],
        "township_b": townships[1],
    }


def make_credit_code(seq: int) -> str:
    base = f"5221038100{seq:07d}"[:17]
    return base + uscc.calc_check_digit(base)


@pytest.fixture
def operator(regions):
    from shegong.stations.models import Operator

    return Operator.objects.create(name="海城市阳光社会工作服务中心", credit_code=make_credit_code(1), region=regions["county"])


@pytest.fixture
def other_operator(regions):
    from shegong.stations.models import Operator

    return Operator.objects.create(name="鞍山市乐群社会工作服务社", credit_code=make_credit_code(2), region=regions["county"])


@pytest.fixture
def make_user(db):
    """Create a user holding one role at one place (no password unless given)."""
    from shegong.accounts.models import RoleAssignment, User

    counter = {"n": 0}

    def make(role, region, *, operator=None, username=None, password=None, name=None):
        counter["n"] += 1
        username = username or f"{role}_{counter['n']}"
        user = User(username=username, name=name or username)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=role, region=region, operator=operator)
        return user

    return make


@pytest.fixture
def people(regions, operator, make_user):
    """One user per role, in township A unless the role sits higher."""
    a, county = regions["township_a"], regions["county"]
    return {
        "province_bureau": make_user("bureau", regions["province"], username="province_bureau"),
        "city_bureau": make_user("bureau", regions["city"], username="city_bureau"),
        "county_bureau": make_user("bureau", county, username="county_bureau"),
        "officer_a": make_user("township_officer", a, username="officer_a"),
        "officer_b": make_user("township_officer", regions["township_b"], username="officer_b"),
        "operator_manager": make_user("operator_manager", county, operator=operator, username="operator_manager"),
        "station_lead": make_user("station_lead", a, operator=operator, username="station_lead"),
        "worker_a": make_user("worker", a, operator=operator, username="worker_a"),
        "worker_b": make_user("worker", regions["township_b"], operator=operator, username="worker_b"),
        "supervisor": make_user("supervisor", county, operator=operator, username="supervisor"),
        "evaluator": make_user("evaluator", county, username="evaluator"),
        "admin": make_user("admin", regions["province"], username="admin"),
    }


@pytest.fixture
def client_for():
    """A test client signed in as ``user`` and past the second factor."""

    def login(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client = Client()
        client.force_login(user)
        if user.requires_second_factor:
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return login
