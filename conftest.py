"""Fixtures shared by every test: a small place tree and the cast of users, one per role at
home and one per role next door."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

import pytest

from accounts.models import User
from accounts.roles import Role
from areas import services as areas
from areas.kinds import PlaceKind
from areas.models import Place

TEST_PASSWORD = "Test-pass-2026"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_security_policy():
    """Every test starts with the settings' security policy in the cache, as a server does
    before anyone sets one; a test that sets one gets it, and the next test the defaults again."""
    from dataclasses import asdict

    from django.core.cache import cache

    from accounts import policy

    rules = policy.defaults()
    cache.set(policy.CACHE_KEY, {**asdict(rules), "totp_roles": sorted(rules.totp_roles)}, None)
    yield
    policy.forget()


@pytest.fixture(scope="session", autouse=True)
def _flush_empties_the_audit_log():
    """Transactional tests end with Django's flush, which the audit log's triggers refuse
    unless the maintenance row is written in the flush's transaction (audit/maintenance.py)."""
    from django.core.management.commands import flush

    from audit import maintenance

    original = flush.sql_flush

    def sql_flush(*args, **kwargs):
        return maintenance.around_flush(original(*args, **kwargs))

    flush.sql_flush = sql_flush
    yield
    flush.sql_flush = original


@pytest.fixture(autouse=True)
def _record_files(settings, tmp_path):
    """Photos and documents a test uploads land in its own folder, not in data/."""
    settings.RECORD_FILES_DIR = tmp_path / "files"


@dataclass
class World:
    """Home: district D › sub-district S1 › community C1 › grid G1. Next door: C2 (same
    sub-district), G2 (same community), S2 › C3, and another district D2 › S3 › C4 › G4."""

    district: Place
    subdistrict: Place
    community: Place
    grid: Place
    neighbour_community: Place
    neighbour_grid: Place
    other_subdistrict: Place
    other_community: Place
    other_district: Place
    cast: dict[Role, User] = field(default_factory=dict)
    outsiders: dict[Role, User] = field(default_factory=dict)
    subject: User | None = None  # an account in C1 that managers act on


def _place(kind, name, code, parent):
    return areas.create_place(kind=kind, name=name, code=code, parent=parent, by=None)


def _user(username: str, role: Role, place: Place | None) -> User:
    user = User(username=username, name=username, role=role, place=place)
    user.set_password(TEST_PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db) -> World:
    d = _place(PlaceKind.DISTRICT, "测试区", "110199000000", None)
    s1 = _place(PlaceKind.SUBDISTRICT, "东街道", "110199001000", d)
    c1 = _place(PlaceKind.COMMUNITY, "甲社区", "110199001001", s1)
    g1 = _place(PlaceKind.GRID, "甲一网格", "", c1)
    g2 = _place(PlaceKind.GRID, "甲二网格", "", c1)
    c2 = _place(PlaceKind.COMMUNITY, "乙社区", "110199001002", s1)
    g3 = _place(PlaceKind.GRID, "乙一网格", "", c2)
    s2 = _place(PlaceKind.SUBDISTRICT, "西街道", "110199002000", d)
    c3 = _place(PlaceKind.COMMUNITY, "丙社区", "110199002001", s2)
    d2 = _place(PlaceKind.DISTRICT, "邻区", "110198000000", None)
    s3 = _place(PlaceKind.SUBDISTRICT, "邻街道", "110198001000", d2)
    c4 = _place(PlaceKind.COMMUNITY, "邻社区", "110198001001", s3)
    _place(PlaceKind.GRID, "邻网格", "", c4)
    w = World(d, s1, c1, g1, c2, g2, s2, c3, d2)
    home = {
        Role.DISTRICT_ADMIN: (d, d2),
        Role.SUBDISTRICT_ADMIN: (s1, s2),
        Role.COMMUNITY_HEAD: (c1, c2),
        Role.COMMUNITY_WORKER: (c1, c2),
        Role.GRID_WORKER: (g1, g3),
        Role.VIEWER: (c1, c2),
        Role.AUDITOR: (d, d2),
        Role.SYSADMIN: (None, d2),
        Role.SECURITY_OFFICER: (None, d2),
    }
    for role, (inside, outside) in home.items():
        w.cast[role] = _user(f"in_{role.value}", role, inside)
        w.outsiders[role] = _user(f"out_{role.value}", role, outside)
    w.subject = _user("subject", Role.COMMUNITY_WORKER, c1)
    return w


# --- Browser tests: Debian's Chromium, never a downloaded one.

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        message = f"browser tests need Debian's Chromium at {CHROMIUM} (make browser-deps)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip there is a failure."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


def downloaded(response) -> bytes:
    """The bytes of a download, whether sent whole or streamed from a file (ledger exports)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def ledger_sheet(response) -> list[list]:
    """The cells of an exported ledger, row by row, without what ends it: the 合计 row of a
    ledger with totals, a blank row, then the lines to sign (制表人：… 审核人：…), which a test
    of the table's rows does not want; it checks the lines to sign are there."""
    import io

    import openpyxl

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(downloaded(response)))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert str(rows[-1][0]).startswith("制表人："), rows[-1]
    assert not any(rows[-2]), rows[-2]
    rows = rows[:-2]
    return rows[:-1] if rows[-1][0] == "合计" else rows
