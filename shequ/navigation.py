"""The main menu: entries grouped by work area, each shown to the roles that may use it. Each
app that brings a new area adds its entries here."""

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
    section: str  # the first segments of the URL paths that belong to this entry
    group: str | Promise = ""


WORK = _("日常工作")
CASES = _("诉求与案件")
INSPECT = _("安全检查")
VOICE = _("居民议事")
PEOPLE = _("人口房屋")
PROGRAMS = _("评选救助")
TEAMS = _("组织队伍")
OUTPUT = _("统计台账")
SYSTEM = _("系统管理")

NAV = [
    NavItem("areas:home", _("首页"), Perm.VIEW_PLACES, ""),
    NavItem("ledger:record-list", _("工作记录"), Perm.VIEW_RECORDS, "records", WORK),
    NavItem("ledger:record-calendar", _("工作日历"), Perm.VIEW_RECORDS, "records/calendar", WORK),
    NavItem("ledger:service-list", _("办事登记"), Perm.VIEW_RECORDS, "records/services", WORK),
    NavItem("ledger:visit-coverage", _("走访覆盖率"), Perm.VIEW_RECORDS, "records/visits", WORK),
    NavItem("cases:mine", _("我的案件"), Perm.VIEW_RECORDS, "cases", CASES),
    NavItem("cases:case-list", _("全部案件"), Perm.VIEW_RECORDS, "cases/list", CASES),
    NavItem("cases:screening-list", _("纠纷排查"), Perm.VIEW_RECORDS, "cases/screenings", CASES),
    NavItem(
        "inspections:inspection-list", _("检查记录"), Perm.VIEW_RECORDS, "inspections", INSPECT
    ),
    NavItem(
        "inspections:rectification-list",
        _("隐患整改"),
        Perm.VIEW_RECORDS,
        "inspections/rectifications",
        INSPECT,
    ),
    NavItem(
        "inspections:agreement-list",
        _("责任书"),
        Perm.VIEW_RECORDS,
        "inspections/agreements",
        INSPECT,
    ),
    NavItem("programs:opinion-list", _("社情民意"), Perm.VIEW_RECORDS, "programs/opinions", VOICE),
    NavItem(
        "programs:deliberation-list",
        _("议事协商"),
        Perm.VIEW_RECORDS,
        "programs/deliberations",
        VOICE,
    ),
    NavItem(
        "programs:questionnaire-list",
        _("问卷调查"),
        Perm.VIEW_RECORDS,
        "programs/questionnaires",
        VOICE,
    ),
    NavItem("people:resident-list", _("居民"), Perm.VIEW_RECORDS, "people/residents", PEOPLE),
    NavItem("people:household-list", _("户"), Perm.VIEW_RECORDS, "people/households", PEOPLE),
    NavItem("areas:dwelling-list", _("房屋"), Perm.VIEW_RECORDS, "dwellings", PEOPLE),
    NavItem("people:rental-list", _("出租房屋"), Perm.VIEW_RECORDS, "people/rentals", PEOPLE),
    NavItem("areas:unit-list", _("辖区单位"), Perm.VIEW_RECORDS, "units", PEOPLE),
    NavItem(
        "programs:campaign-list", _("评选活动"), Perm.VIEW_RECORDS, "programs/campaigns", PROGRAMS
    ),
    NavItem("programs:honour-list", _("荣誉"), Perm.VIEW_RECORDS, "programs/honours", PROGRAMS),
    NavItem(
        "programs:assistance-list",
        _("救助发放"),
        Perm.VIEW_RECORDS,
        "programs/assistance",
        PROGRAMS,
    ),
    NavItem("programs:drive-list", _("募捐"), Perm.VIEW_RECORDS, "programs/donations", PROGRAMS),
    NavItem("programs:stock-list", _("物资"), Perm.VIEW_RECORDS, "programs/supplies", PROGRAMS),
    NavItem("people:staff-list", _("社区工作者"), Perm.VIEW_RECORDS, "people/staff", TEAMS),
    NavItem(
        "people:organisation-list", _("组织体系"), Perm.VIEW_RECORDS, "people/organisations", TEAMS
    ),
    NavItem("reports:statistics", _("统计"), Perm.VIEW_RECORDS, "statistics", OUTPUT),
    NavItem("reports:summary", _("工作总结"), Perm.VIEW_RECORDS, "statistics/summary", OUTPUT),
    NavItem("people:ledger-index", _("台账"), Perm.VIEW_RECORDS, "people/ledgers", OUTPUT),
    NavItem("people:import-start", _("Excel导入"), Perm.EDIT_RECORDS, "people/imports", OUTPUT),
    NavItem("areas:place-list", _("区划"), Perm.VIEW_PLACES, "places", SYSTEM),
    NavItem(
        "people:category-list",
        _("重点人群类别"),
        Perm.MANAGE_CATALOGUE,
        "people/categories",
        SYSTEM,
    ),
    NavItem(
        "inspections:checklist-list",
        _("检查表"),
        Perm.MANAGE_CATALOGUE,
        "inspections/checklists",
        SYSTEM,
    ),
    NavItem(
        "ledger:catalogue",
        _("工作领域与数量项目"),
        Perm.MANAGE_CATALOGUE,
        "records/catalogue",
        SYSTEM,
    ),
    NavItem("accounts:user-list", _("账号管理"), Perm.MANAGE_ACCOUNTS, "accounts/users", SYSTEM),
    NavItem("audit:entry-list", _("审计日志"), Perm.VIEW_AUDIT, "audit", SYSTEM),
    NavItem(
        "accounts:security-policy", _("安全策略"), Perm.MANAGE_SECURITY, "accounts/security", SYSTEM
    ),
    NavItem(
        "accounts:request-list",
        _("管理类账号审批"),
        Perm.APPROVE_ACCOUNTS,
        "accounts/requests",
        SYSTEM,
    ),
]
