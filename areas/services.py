"""Changes to the place tree. Each validates, saves and writes its audit row in one transaction."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PARENT_KIND, PlaceKind
from areas.models import Place
from audit import services as audit
from shequ import locking
from shequ.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

# Sent inside the transaction of a move, so apps whose records carry a place path rewrite
# them in step: `old_path` and `new_path` are the moved place's paths before and after.
place_moved = Signal()

FIELDS = ["kind", "name", "code", "parent", "retired_on"]
_CODE12 = re.compile(r"[0-9]{12}")


def _check_code(
    kind: str, code: str, parent: Place | None, *, exclude: Place | None = None
) -> None:
    """Statistical division codes nest: a sub-district's code starts with its district's first
    six digits, a community's with its sub-district's first nine."""
    if kind == PlaceKind.GRID:
        if (
            not re.fullmatch(r"[0-9]{15}", code)
            or parent is None
            or not code.startswith(parent.code)
        ):
            raise DomainError(_("网格代码应为所属社区的12位代码加3位序号"), field="code")
    else:
        if not _CODE12.fullmatch(code):
            raise DomainError(_("区划代码应为12位数字"), field="code")
        if kind == PlaceKind.DISTRICT and not code.endswith("000000"):
            raise DomainError(_("区的代码后6位应为0"), field="code")
        if kind == PlaceKind.SUBDISTRICT and (
            parent is None or code[:6] != parent.code[:6] or code[6:9] == "000" or code[9:] != "000"
        ):
            raise DomainError(_("街道代码应为所属区代码前6位、3位街道序号和000"), field="code")
        if kind == PlaceKind.COMMUNITY and (
            parent is None or code[:9] != parent.code[:9] or code[9:] == "000"
        ):
            raise DomainError(_("社区代码应以所属街道代码的前9位开头，后3位不为0"), field="code")
    clash = Place.objects.filter(code=code)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise DomainError(_("区划代码%(code)s已被使用") % {"code": code}, field="code")


def _check_parent(kind: str, parent: Place | None) -> None:
    expected = PARENT_KIND[PlaceKind(kind)]
    if expected is None:
        if parent is not None:
            raise DomainError(_("区是最高一级，不能有上级"))
        return
    if parent is None or parent.kind != expected:
        raise DomainError(
            _("%(kind)s的上级应为%(parent)s")
            % {"kind": PlaceKind(kind).label, "parent": expected.label}
        )
    if parent.is_retired:
        raise DomainError(_("“%(place)s”已撤销，不能在其下新增") % {"place": parent.name})


def next_grid_code(community: Place) -> str:
    """The community's code followed by the lowest free three-digit number."""
    taken = set(
        Place.objects.filter(code__startswith=community.code, kind=PlaceKind.GRID).values_list(
            "code", flat=True
        )
    )
    for number in range(1, 1000):
        code = f"{community.code}{number:03d}"
        if code not in taken:
            return code
    raise DomainError(_("该社区的网格代码已用完"))


@transaction.atomic
def create_place(
    *, kind: str, name: str, parent: Place | None, code: str = "", by: User | None
) -> Place:
    name = name.strip()
    if not name:
        raise DomainError(_("请填写名称"), field="name")
    if kind == PlaceKind.DISTRICT and by is not None and by.scope_path != "":
        raise DomainError(_("只有负责全系统的管理员可以新增区"))
    _check_parent(kind, parent)
    if kind == PlaceKind.GRID and not code:
        code = next_grid_code(parent)
    _check_code(kind, code, parent)
    siblings = Place.objects.filter(parent=parent, name=name, retired_on__isnull=True)
    if siblings.exists():
        where = parent.name if parent else _("系统中")
        raise DomainError(
            _("%(where)s已有名为“%(name)s”的区划") % {"where": where, "name": name}, field="name"
        )
    # The path holds the place's own id, known only once it is saved.
    place = Place(kind=kind, name=name, code=code, parent=parent, path=f"/new-{uuid.uuid4().hex}/")
    place.save()
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.save(update_fields=["path"])
    audit.record(by, "place.create", place, changes=audit.created(place, FIELDS))
    return place


@transaction.atomic
def update_place(
    place: Place, *, name: str, code: str, by: User, version: int | None = None
) -> Place:
    """Rename a place or change its code; `version` is the one the edit page showed (a stale
    page raises StaleEdit and changes nothing)."""
    place = locking.lock_current(place, version)
    name = name.strip()
    if not name:
        raise DomainError(_("请填写名称"), field="name")
    if code != place.code:
        _check_code(place.kind, code, place.parent, exclude=place)
        if place.kind != PlaceKind.GRID and place.children.exists():
            # Children's codes start with this one; they would no longer match.
            raise DomainError(_("已有下级区划的区划不能修改代码"))
    siblings = Place.objects.filter(parent=place.parent, name=name, retired_on__isnull=True)
    if siblings.exclude(pk=place.pk).exists():
        raise DomainError(_("同一上级下已有名为“%(name)s”的区划") % {"name": name})
    before = audit.snapshot(place, FIELDS)
    place.name, place.code = name, code
    diff = audit.changes(before, place)
    if diff:
        locking.bump(place)
        place.save(update_fields=["name", "code", "version"])
        audit.record(by, "place.update", place, changes=diff)
    return place


@transaction.atomic
def move_grid(grid: Place, *, to: Place, by: User) -> Place:
    """Put a grid under another community. It takes a new code under that community; its own
    records keep pointing at it and follow it."""
    if grid.kind != PlaceKind.GRID:
        raise DomainError(_("只能调整网格的归属"))
    if grid.is_retired:
        raise DomainError(_("已撤销的网格不能调整归属"))
    _check_parent(PlaceKind.GRID, to)
    if to.pk == grid.parent_id:
        raise DomainError(_("网格已在该社区之下"))
    if to.children.filter(name=grid.name, retired_on__isnull=True).exists():
        raise DomainError(
            _("“%(parent)s”下已有名为“%(name)s”的网格") % {"parent": to, "name": grid.name}
        )
    before = audit.snapshot(grid, FIELDS)
    old_path, new_path = grid.path, f"{to.path}{grid.pk}/"
    grid.parent, grid.code = to, next_grid_code(to)
    grid.save(update_fields=["parent", "code"])
    locking.bump_row(grid)
    Place.objects.filter(path__under=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    grid.path = new_path
    place_moved.send(sender=Place, place=grid, old_path=old_path, new_path=new_path)
    audit.record(
        by,
        "place.move",
        grid,
        changes={**audit.changes(before, grid), "path": [old_path, new_path]},
    )
    return grid


@transaction.atomic
def retire_place(place: Place, *, on: datetime.date | None = None, by: User) -> Place:
    """Hide a place from new work. Its records and history stay; it cannot hold active places
    or accounts."""
    from accounts.models import User

    if place.is_retired:
        raise DomainError(
            _("“%(place)s”已于%(date)s撤销") % {"place": place, "date": place.retired_on}
        )
    if place.children.filter(retired_on__isnull=True).exists():
        raise DomainError(_("请先撤销或调出“%(place)s”的下级区划") % {"place": place})
    active_users = User.objects.filter(place=place, is_active=True).count()
    if active_users:
        raise DomainError(
            _("“%(place)s”仍有%(n)d个在用账号，请先调整或停用")
            % {"place": place, "n": active_users}
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("撤销日期不能晚于今天"), field="on")
    if on < timezone.localtime(place.created_at).date():
        raise DomainError(
            _("撤销日期不能早于该区划的建立日期%(d)s")
            % {"d": timezone.localtime(place.created_at).date()},
            field="on",
        )
    before = audit.snapshot(place, FIELDS)
    place.retired_on = on
    place.save(update_fields=["retired_on"])
    locking.bump_row(place)
    audit.record(by, "place.retire", place, changes=audit.changes(before, place))
    return place
