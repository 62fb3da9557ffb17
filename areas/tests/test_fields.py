from django.db import connection

from areas.fields import upper_bound
from areas.models import Place


def test_upper_bound_raises_the_last_separator():
    assert upper_bound("/1/5/") == "/1/50"


def test_under_matches_the_place_and_its_descendants_only(world):
    under_c1 = set(Place.objects.filter(path__under=world.community.path))
    assert world.community in under_c1
    assert world.grid in under_c1
    assert world.neighbour_grid in under_c1
    assert world.neighbour_community not in under_c1
    assert world.subdistrict not in under_c1


def test_under_does_not_match_a_sibling_whose_id_shares_a_prefix(world):
    """/1/5/ must not take in /1/50/: the trailing separator decides."""
    parent = world.district
    shorter = Place.objects.filter(parent=parent).order_by("pk").first()
    fake_path = f"{parent.path}{shorter.pk}0/"
    Place.objects.filter(pk=world.other_subdistrict.pk).update(path=fake_path)
    matched = set(Place.objects.filter(path__under=shorter.path).values_list("path", flat=True))
    assert fake_path not in matched
    assert shorter.path in matched


def test_empty_prefix_means_everywhere(world):
    assert Place.objects.filter(path__under="").count() == Place.objects.count()


def test_subtree_query_uses_the_path_index(world):
    from people.models import Resident

    for queryset in (
        Place.objects.filter(path__under=world.community.path),
        Resident.objects.filter(place_path__under=world.community.path),
    ):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " ".join(str(row) for row in cursor.fetchall())
                assert "SEARCH" in plan and "path" in plan, plan
            else:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert "Index" in plan and "path" in plan, plan


def test_postgresql_keeps_one_index_per_path(world):
    """No second, pattern-ops index: the path compares in the "C" collation instead."""
    if connection.vendor != "postgresql":
        assert Place._meta.get_field("path").db_parameters(connection)["collation"] is None
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'people_resident'"
            " AND indexdef LIKE '%%place_path%%'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1 and "pattern_ops" not in definitions[0], definitions


def test_a_keyset_page_bounds_the_index_range_before_the_place_filter(world):
    """SQLite starts its index range at the first lower bound on place_path it reads: the
    keyset's bound must come before the (looser) place filter's, or a deep page reads every
    row before it."""
    from areas.paging import after_in_place_order
    from people.models import Resident
    from people.tests.factories import resident

    first = resident(world.grid, "甲")
    resident(world.grid, "乙")
    scoped = Resident.objects.filter(place_path__under=world.district.path)
    sql = str(after_in_place_order(scoped, first.pk).query)
    where = sql[sql.index("WHERE") :]
    assert where.index(f">= {world.grid.path} AND") < where.index(f">= {world.district.path} AND")
    assert list(after_in_place_order(scoped, first.pk).values_list("name", flat=True)) == ["乙"]
