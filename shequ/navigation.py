"""The main menu: one entry per work area, shown to the roles that may use it. Each app that
brings a new area adds its entry here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    perm: Perm
    section: str  # the first segment of the URL paths that belong to this entry


NAV = [
    NavItem("areas:home", _("首页"), Perm.VIEW_PLACES, ""),
    NavItem("people:resident-list", _("居民"), Perm.VIEW_RECORDS, "people/residents"),
    NavItem("people:household-list", _("户"), Perm.VIEW_RECORDS, "people/households"),
    NavItem("areas:dwelling-list", _("房屋"), Perm.VIEW_RECORDS, "dwellings"),
    NavItem("areas:unit-list", _("辖区单位"), Perm.VIEW_RECORDS, "units"),
    NavItem("people:ledger-index", _("台账"), Perm.VIEW_RECORDS, "people/ledgers"),
    NavItem("people:import-start", _("Excel导入"), Perm.EDIT_RECORDS, "people/imports"),
    NavItem("areas:place-list", _("区划"), Perm.VIEW_PLACES, "places"),
    NavItem("accounts:user-list", _("账号管理"), Perm.MANAGE_ACCOUNTS, "accounts/users"),
    NavItem("audit:entry-list", _("审计日志"), Perm.VIEW_AUDIT, "audit"),
]
