"""Synthetic demo data: a district with two sub-districts, six communities and their grids, and
one account per role. Seeded, so every run builds the same names; idempotent, so running it
again only adds what is missing. Later capabilities add their records here."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from accounts.roles import Role
from areas import services as areas
from areas.kinds import PlaceKind
from areas.models import Place
from audit import services as audit
from cases import demo as cases_demo
from cases.models import Case
from inspections import builtin as inspections_builtin
from inspections import demo as inspections_demo
from inspections.models import Checklist, ChecklistItem, ChecklistVersion, Inspection
from ledger import builtin as ledger_builtin
from ledger import demo as ledger_demo
from ledger.models import QuantityKind, Topic, WorkRecord
from people import builtin_groups
from people import demo as people_demo
from people.models import GroupAttribute, GroupCategory, Resident
from programs import demo as programs_demo
from programs.models import Campaign
from shequ.signals import rows_written

DEFAULT_PASSWORD = "Shequ@2026"  # noqa: S105  (documented demo password, see README)
SEED = 20261129

DISTRICT = ("临江区", "420199000000")
SUBDISTRICTS = [
    ("东湖街道", "420199001000", [("柳岸社区", "001"), ("花园社区", "002"), ("滨江社区", "003")]),
    ("西园街道", "420199002000", [("桂苑社区", "001"), ("民主社区", "002"), ("新华社区", "003")]),
]
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: Role
    place_code: str | None  # None: the whole system


ACCOUNTS = [
    DemoAccount("qu_admin", "周建国", Role.DISTRICT_ADMIN, "420199000000"),
    DemoAccount("jd_admin", "李红梅", Role.SUBDISTRICT_ADMIN, "420199001000"),
    DemoAccount("sq_head", "王秀兰", Role.COMMUNITY_HEAD, "420199001001"),
    DemoAccount("sq_worker", "张丽", Role.COMMUNITY_WORKER, "420199001001"),
    DemoAccount("wg_worker", "陈伟", Role.GRID_WORKER, "420199001001001"),
    DemoAccount("viewer", "刘洋", Role.VIEWER, "420199001000"),
    DemoAccount("auditor", "赵敏", Role.AUDITOR, None),
    DemoAccount("sysadmin", "孙强", Role.SYSADMIN, None),
    DemoAccount("anquan", "郑毅", Role.SECURITY_OFFICER, None),
    DemoAccount("hy_worker", "吴芳", Role.COMMUNITY_WORKER, "420199001002"),
]


def demo_password() -> str:
    return os.environ.get("SHEQU_DEMO_PASSWORD") or DEFAULT_PASSWORD


def _place(kind: str, name: str, code: str, parent: Place | None) -> tuple[Place, bool]:
    existing = Place.objects.filter(code=code).first()
    if existing is not None:
        return existing, False
    return areas.create_place(kind=kind, name=name, code=code, parent=parent, by=None), True


def ensure_catalogues() -> None:
    """The built-in group categories, topic areas, quantity items and checklists, which the
    migrations put in: again if a flushed database lost them."""
    builtin_groups.ensure(GroupCategory, GroupAttribute)
    ledger_builtin.ensure(Topic, QuantityKind)
    inspections_builtin.ensure(Checklist, ChecklistVersion, ChecklistItem, now=timezone.now())


def ensure_accounts() -> int:
    """The demo accounts that are missing, through the account service (each audited as any
    new account is); one whose place is not there (a smaller district) is left out. Returns
    how many were made."""
    password, made = demo_password(), 0
    for account in ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        place = Place.objects.filter(code=account.place_code).first()
        if account.place_code and place is None:
            continue
        accounts.create_user(
            username=account.username,
            name=account.name,
            role=account.role,
            place=place,
            password=password,
            by=None,
        )
        made += 1
    return made


@transaction.atomic
def build(*, population: bool = True) -> dict[str, int]:
    """Add whatever part of the demo district is missing. Returns how many of each were added."""
    rng = random.Random(SEED)
    added = {"places": 0, "accounts": 0}
    district, new = _place(PlaceKind.DISTRICT, *DISTRICT, None)
    added["places"] += new
    for sd_name, sd_code, communities in SUBDISTRICTS:
        subdistrict, new = _place(PlaceKind.SUBDISTRICT, sd_name, sd_code, district)
        added["places"] += new
        for c_name, c_seq in communities:
            community, new = _place(PlaceKind.COMMUNITY, c_name, sd_code[:9] + c_seq, subdistrict)
            added["places"] += new
            for number, g_name in enumerate(GRID_NAMES[: rng.randint(3, 6)], start=1):
                _, new = _place(PlaceKind.GRID, g_name, f"{community.code}{number:03d}", community)
                added["places"] += new
    added["accounts"] = ensure_accounts()
    if not population:
        return _finish(added)
    ensure_catalogues()
    ids = people_demo.IdSource()
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY, path__under=district.path):
        if Resident.objects.filter(place_path__under=community.path).exists():
            continue
        made = people_demo.populate(community, random.Random(f"{SEED}-{community.code}"), ids)
        for key, n in made.items():
            added[key] = added.get(key, 0) + n
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY, path__under=district.path):
        if WorkRecord.objects.filter(place_path__under=community.path).exists():
            continue
        made = ledger_demo.populate(community, random.Random(f"{SEED}-records-{community.code}"))
        for key, n in made.items():
            added[key] = added.get(key, 0) + n
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY, path__under=district.path):
        if Case.objects.filter(place_path__under=community.path).exists():
            continue
        made = cases_demo.populate(community, random.Random(f"{SEED}-cases-{community.code}"))
        for key, n in made.items():
            added[key] = added.get(key, 0) + n
    checklists = inspections_demo.versions()
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY, path__under=district.path):
        if Inspection.objects.filter(place_path__under=community.path).exists():
            continue
        rng = random.Random(f"{SEED}-inspections-{community.code}")
        made = inspections_demo.populate(community, rng, checklists)
        for key, n in made.items():
            added[key] = added.get(key, 0) + n
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY, path__under=district.path):
        if Campaign.objects.filter(place_path__under=community.path).exists():
            continue
        made = programs_demo.populate(community, random.Random(f"{SEED}-programs-{community.code}"))
        for key, n in made.items():
            added[key] = added.get(key, 0) + n
    return _finish(added)


def _finish(added: dict[str, int]) -> dict[str, int]:
    if any(added.values()):
        # Written in bulk, past save(): figures derived from the rows (rollups) are dropped.
        rows_written.send(None)
        audit.record(None, "demo.load", data=added)
    return added
