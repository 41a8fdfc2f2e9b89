"""``__under`` (and ``__prefix``): a region code and everything below it, by the index on every backend."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.regions.models import Level, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    rows = [("99", 1, None), ("9903", 2, "99"), ("990381", 3, "9903"), ("990389", 3, "9903"), ("990390", 3, "9903"),
            ("990381001", 4, "990381"), ("990381002", 4, "990381"), ("990389999", 4, "990389"),
            ("990389999001", 5, "990389999"), ("990390001", 4, "990390")]
    for code, level, parent in rows:
        Region.objects.create(code=code, name=f"地{code}", level=level, parent_id=parent)


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_the_place_and_everything_below_it_and_nothing_else(tree):
    assert codes(Region.objects.filter(code__under="990381")) == ["990381", "990381001", "990381002"]
    assert codes(Region.objects.filter(code__under="990381001")) == ["990381001"]
    # The last digit is a 9: the next county (210390) must not come in.
    assert codes(Region.objects.filter(code__under="990389999")) == ["990389999", "990389999001"]
    assert codes(Region.objects.filter(code__under="99038")) == ["990381", "990381001", "990381002", "990389",
                                                                  "990389999", "990389999001"]
    assert codes(Region.objects.filter(code__under="98")) == []
    assert set(codes(Region.objects.filter(code__under="99"))) < set(codes(Region.objects.filter(code__under="")))


def test_same_answer_as_a_prefix_match_through_relations(tree, regions):
    from shegong.regions.models import Region as R

    for prefix in ("99", "9903", "990381", "990381001", "990389999"):
        assert codes(R.objects.filter(code__under=prefix)) == codes(R.objects.filter(code__startswith=prefix))
        assert codes(R.objects.filter(parent__code__under=prefix)) == codes(R.objects.filter(parent__code__startswith=prefix))
    assert Region.objects.filter(level=Level.VILLAGE, code__under="210381").exists()


def test_written_as_an_indexable_condition(tree):
    with CaptureQueriesContext(connection) as ctx:
        list(Region.objects.filter(code__under="990381"))
    sql = ctx.captured_queries[0]["sql"]
    if connection.vendor == "sqlite":  # SQLite's LIKE never uses a binary index; a range does
        assert "LIKE" not in sql and ">= '990381'" in sql and "< '990382'" in sql
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN SELECT code FROM regions_region WHERE code >= '990381' AND code < '990382'")
            assert "USING" in " ".join(str(row) for row in cursor.fetchall()).upper()
    else:  # PostgreSQL: LIKE 'x%' is served by the varchar_pattern_ops index Django creates
        assert "LIKE '990381%'" in sql


def test_name_prefix_search_finds_by_initials(people, regions, client_for):
    from shegong.recipients.models import Recipient

    village = Region.objects.filter(code__under=regions["township_a"].code, level=Level.VILLAGE).first()
    for name, initials in (("张三", "zs"), ("张珊珊", "zss"), ("赵四", "zs2")):
        Recipient.objects.create(name=name, name_pinyin=initials, name_initials=initials, region=village)
    found = sorted(Recipient.objects.filter(name_initials__prefix="zs").values_list("name", flat=True))
    assert found == ["张三", "张珊珊", "赵四"]
    assert list(Recipient.objects.filter(name_initials__prefix="zss").values_list("name", flat=True)) == ["张珊珊"]
    sql = str(Recipient.objects.filter(name_initials__prefix="zs").query)
    assert ("LIKE" in sql) == (connection.vendor != "sqlite")
