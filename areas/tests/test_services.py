import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from areas import services
from areas.kinds import PlaceKind
from areas.models import Place
from audit.models import AuditEntry
from shequ.errors import DomainError


def _count():
    return Place.objects.count(), AuditEntry.objects.count()


def test_create_place_sets_path_and_writes_one_audit_row(world):
    admin = world.cast["sysadmin"]
    before = AuditEntry.objects.count()
    grid = services.create_place(
        kind=PlaceKind.GRID, name="甲三网格", parent=world.community, by=admin
    )
    assert grid.path == f"{world.community.path}{grid.pk}/"
    assert grid.code == f"{world.community.code}003"  # 001 and 002 are taken
    entry = AuditEntry.objects.exclude(pk__lte=0).order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "place.create" and entry.actor == admin
    assert entry.changes["name"] == [None, "甲三网格"]


@pytest.mark.parametrize(
    ("kind", "code", "parent_attr", "message"),
    [
        (PlaceKind.COMMUNITY, "12345", "subdistrict", "12位"),
        (PlaceKind.COMMUNITY, "110199002009", "subdistrict", "前9位"),
        (PlaceKind.COMMUNITY, "110199001001", "subdistrict", "已被使用"),
        (PlaceKind.COMMUNITY, "110199001009", "district", "上级应为街道"),
        (PlaceKind.SUBDISTRICT, "110199003001", "district", "000"),
        (PlaceKind.DISTRICT, "110197000000", "district", "最高一级"),
        (PlaceKind.GRID, "110199001001999", "subdistrict", "上级应为社区"),
    ],
)
def test_bad_place_is_refused_in_chinese_and_nothing_is_saved(
    world, kind, code, parent_attr, message
):
    counts = _count()
    with pytest.raises(DomainError) as error:
        services.create_place(
            kind=kind,
            name="新区划",
            code=code,
            parent=getattr(world, parent_attr),
            by=world.cast["sysadmin"],
        )
    assert message in error.value.message
    assert _count() == counts


def test_same_name_under_the_same_parent_is_refused(world):
    with pytest.raises(DomainError, match="已有名为"):
        services.create_place(kind=PlaceKind.GRID, name="甲一网格", parent=world.community, by=None)


def test_move_grid_rewrites_path_and_code_and_tells_other_apps(world):
    moved = []
    services.place_moved.connect(
        lambda sender, **kw: moved.append((kw["old_path"], kw["new_path"])),
        weak=False,
        dispatch_uid="test-move",
    )
    try:
        old_path = world.grid.path
        services.move_grid(world.grid, to=world.neighbour_community, by=world.cast["sysadmin"])
    finally:
        services.place_moved.disconnect(dispatch_uid="test-move")
    grid = Place.objects.get(pk=world.grid.pk)
    assert grid.parent == world.neighbour_community
    assert grid.path == f"{world.neighbour_community.path}{grid.pk}/"
    assert grid.code.startswith(world.neighbour_community.code)
    assert moved == [(old_path, grid.path)]
    entry = AuditEntry.objects.filter(action="place.move").get()
    assert entry.changes["path"] == [old_path, grid.path]
    # The grid worker assigned to it now sits in the other community's subtree.
    worker = User.objects.get(pk=world.cast["grid_worker"].pk)
    assert worker.scope_path.startswith(world.neighbour_community.path)


def test_only_grids_move(world):
    with pytest.raises(DomainError, match="只能调整网格"):
        services.move_grid(world.community, to=world.other_subdistrict, by=None)


def test_retire_refuses_while_children_or_accounts_are_active(world):
    with pytest.raises(DomainError, match="下级区划"):
        services.retire_place(world.community, by=world.cast["sysadmin"])
    with pytest.raises(DomainError, match="在用账号"):
        services.retire_place(world.grid, by=world.cast["sysadmin"])
    assert not Place.objects.filter(retired_on__isnull=False).exists()


def test_retired_place_keeps_its_row_and_takes_no_new_children(world):
    grid = world.neighbour_grid
    today = timezone.localdate()
    for bad in (today + datetime.timedelta(days=1), datetime.date(1999, 1, 1)):
        with pytest.raises(DomainError, match="撤销日期"):
            services.retire_place(grid, on=bad, by=world.cast["sysadmin"])
    services.retire_place(grid, on=today, by=world.cast["sysadmin"])
    grid.refresh_from_db()
    assert grid.retired_on == today
    assert grid in Place.objects.all() and grid not in Place.objects.active()
    with pytest.raises(DomainError, match="已于"):
        services.retire_place(grid, by=world.cast["sysadmin"])


def test_rename_records_before_and_after(world):
    services.update_place(world.grid, name="甲一网格（东）", code=world.grid.code, by=None)
    entry = AuditEntry.objects.filter(action="place.update").get()
    assert entry.changes == {"name": ["甲一网格", "甲一网格（东）"]}


def test_code_of_a_place_with_children_cannot_change(world):
    with pytest.raises(DomainError, match="下级区划"):
        services.update_place(
            world.community, name=world.community.name, code="110199001009", by=None
        )


def test_codes_take_ascii_digits_only(world):
    with pytest.raises(DomainError, match="12位数字"):
        services.create_place(
            kind=PlaceKind.DISTRICT, name="全角区", code="４２０１９５000000", parent=None, by=None
        )


def test_two_districts_cannot_share_a_name(world):
    with pytest.raises(DomainError, match="已有名为"):
        services.create_place(
            kind=PlaceKind.DISTRICT, name="测试区", code="110197000000", parent=None, by=None
        )


def test_places_list_in_tree_order_whatever_their_ids(world):
    """Ordered by code, which nests, not by the path of ids (where "/14/" sorts before "/3/")."""
    services.create_place(kind=PlaceKind.GRID, name="甲三网格", parent=world.community, by=None)
    names = [p.name for p in Place.objects.filter(path__under=world.subdistrict.path)]
    assert names == ["东街道", "甲社区", "甲一网格", "甲二网格", "甲三网格", "乙社区", "乙一网格"]
