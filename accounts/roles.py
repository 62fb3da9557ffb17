"""Who may do what: the one declaration of roles, their permissions and the places they sit at.

Views ask `has_perm(user, Perm.X)`; nothing else in the code compares role names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.kinds import PlaceKind

if TYPE_CHECKING:
    from accounts.models import User


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("街道管理员")
    COMMUNITY_HEAD = "community_head", _("社区书记/主任")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    VIEWER = "viewer", _("只读查看")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECURITY_OFFICER = "security_officer", _("安全管理员")


class Perm(StrEnum):
    VIEW_PLACES = "view_places"  # the place tree and the home page of a place in scope
    VIEW_RECORDS = "view_records"  # residents, work records, cases… in scope
    EDIT_RECORDS = "edit_records"  # create and change those records
    MANAGE_PLACES = "manage_places"  # add, rename, move and retire places
    MANAGE_ACCOUNTS = "manage_accounts"  # create, change and deactivate user accounts
    VIEW_AUDIT = "view_audit"  # search the audit log
    VIEW_SENSITIVE = "view_sensitive"  # reveal full ID numbers and phones (each reveal audited)
    VIEW_HEALTH = "view_health"  # health groups: 残疾, 严重精神障碍
    VIEW_JUDICIAL = "view_judicial"  # judicial groups: 社区矫正, 安置帮教
    MANAGE_CATALOGUE = "manage_catalogue"  # group categories and their attributes, units…
    MANAGE_SECURITY = "manage_security"  # the login and session policies (安全管理员 only)
    # Approve or reject the requests for accounts of the administrative roles (安全管理员 only)
    APPROVE_ACCOUNTS = "approve_accounts"
    REVIEW_STAFF = "review_staff"  # the personal year-end summaries of the workers under one


_WORKER = frozenset({Perm.VIEW_PLACES, Perm.VIEW_RECORDS, Perm.EDIT_RECORDS})
# Those who serve residents face to face see their numbers; health and judicial groups are
# limited further, judicial ones to the community head and the offices above.
_FRONTLINE = frozenset({Perm.VIEW_SENSITIVE})

# Separation of duties: the system administrator and the auditor see no resident data, and
# nobody who reads or writes resident data manages accounts or reads the audit log.
# Those who lead workers read and write each one's personal summary (个人工作总结); a worker
# produces only their own.
_LEADS = frozenset({Perm.REVIEW_STAFF})
GRANTS: dict[Role, frozenset[Perm]] = {
    Role.DISTRICT_ADMIN: _WORKER
    | _LEADS
    | {Perm.VIEW_HEALTH, Perm.VIEW_JUDICIAL, Perm.MANAGE_CATALOGUE},
    Role.SUBDISTRICT_ADMIN: _WORKER | _LEADS | {Perm.VIEW_HEALTH, Perm.VIEW_JUDICIAL},
    Role.COMMUNITY_HEAD: _WORKER | _FRONTLINE | _LEADS | {Perm.VIEW_HEALTH, Perm.VIEW_JUDICIAL},
    Role.COMMUNITY_WORKER: _WORKER | _FRONTLINE | {Perm.VIEW_HEALTH},
    Role.GRID_WORKER: _WORKER | _FRONTLINE,
    Role.VIEWER: frozenset({Perm.VIEW_PLACES, Perm.VIEW_RECORDS}),
    Role.AUDITOR: frozenset({Perm.VIEW_PLACES, Perm.VIEW_AUDIT}),
    Role.SYSADMIN: frozenset(
        {Perm.VIEW_PLACES, Perm.MANAGE_PLACES, Perm.MANAGE_ACCOUNTS, Perm.MANAGE_CATALOGUE}
    ),
    # The third of 三权分立: sets the security policies and authorises (approves) the accounts of
    # the administrative roles the 系统管理员 requests; manages no account itself, reads no
    # record and no audit row.
    Role.SECURITY_OFFICER: frozenset(
        {Perm.VIEW_PLACES, Perm.MANAGE_SECURITY, Perm.APPROVE_ACCOUNTS}
    ),
}

# The administrative roles: an account of one of them, or a change giving one, takes effect
# only once a second person, the 安全管理员, approves it (accounts.services.request_account).
ADMIN_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.AUDITOR, Role.SECURITY_OFFICER, Role.SYSADMIN})

# The kind of place each role is assigned to. None: the whole system (every district).
PLACE_KINDS: dict[Role, frozenset[PlaceKind | None]] = {
    Role.DISTRICT_ADMIN: frozenset({PlaceKind.DISTRICT}),
    Role.SUBDISTRICT_ADMIN: frozenset({PlaceKind.SUBDISTRICT}),
    Role.COMMUNITY_HEAD: frozenset({PlaceKind.COMMUNITY}),
    Role.COMMUNITY_WORKER: frozenset({PlaceKind.COMMUNITY}),
    Role.GRID_WORKER: frozenset({PlaceKind.GRID}),
    Role.VIEWER: frozenset({PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY}),
    Role.AUDITOR: frozenset({None, PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT}),
    Role.SYSADMIN: frozenset({None, PlaceKind.DISTRICT}),
    Role.SECURITY_OFFICER: frozenset({None, PlaceKind.DISTRICT}),
}


def has_perm(user: User, perm: Perm) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return perm in GRANTS.get(Role(user.role), frozenset())
