"""Whose year-end summary it is: a place's whole work (社区/街道/区), one department's work
areas over a place (部门), or one worker's own records (个人).

A subject does not count anything itself. It chooses which of the catalogue's indicators a
summary names and narrows each indicator's source to the rows that belong to the subject —
a department's checklists and topic areas, a worker's own records — so the engine, the
drill-down, the .docx and its appendix all evaluate the same narrowed declarations, and a
figure's drill-down lists exactly the rows it counted.

A department is not an account or a place: it is an office of the district (the health-campaign
office, the comprehensive-management centre…) whose work is the catalogue's work areas it is
responsible for, and the work records of its topic areas (ledger `Topic` codes), over whichever
place it summarises. They are declared here, as the catalogue is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from inspections.models import Checklist, Inspection, Recheck
from ledger.models import Topic, WorkRecord
from reports import catalogue
from reports.catalogue import Indicator, Source

if TYPE_CHECKING:
    from accounts.models import User

PLACE, DEPARTMENT, WORKER = "place", "department", "worker"
KINDS = [(PLACE, _("社区/街道")), (DEPARTMENT, _("部门")), (WORKER, _("个人"))]

# Sources whose rows are work records or hang from one: a department's topic areas and a
# worker's own records are read through the record.
_RECORD_SOURCES = {"records": "", "quantities": "record__", "participants": "record__"}
_RECORD_SOURCES["visits"] = "record__"

_HYGIENE = Checklist.Area.HYGIENE


@dataclass(frozen=True)
class Department:
    code: str
    name: str | Promise  # the work, as a title names it: 爱国卫生
    office: str | Promise  # the office: 区爱国卫生运动委员会办公室
    areas: tuple[str | Promise, ...]  # catalogue work areas it reports
    topics: tuple[str, ...] = ()  # ledger topic codes whose work records are its own
    only: dict[str, Q] = field(default_factory=dict)  # further filters by source code


DEPARTMENTS = [
    Department(
        "health",
        _("爱国卫生"),
        _("爱国卫生运动委员会办公室"),
        (catalogue.WORK, catalogue.PUBLICITY, catalogue.SAFETY),
        ("health", "environment"),
        only={
            "inspections": Q(area=_HYGIENE),
            "rooms": Q(inspection__area=_HYGIENE),
            "rectifications": Q(inspection__area=_HYGIENE),
            "rectifications_open": Q(inspection__area=_HYGIENE),
            "agreements": Q(pk__in=[]),  # 责任书 are fire and rental safety, not hygiene
        },
    ),
    Department(
        "safety",
        _("安全生产和消防"),
        _("应急管理和消防安全办公室"),
        (catalogue.WORK, catalogue.PUBLICITY, catalogue.SAFETY),
        ("fire",),
        only={
            "inspections": ~Q(area=_HYGIENE),
            "rooms": Q(pk__in=[]),  # pest monitoring is the health office's
            "rectifications": ~Q(inspection__area=_HYGIENE),
            "rectifications_open": ~Q(inspection__area=_HYGIENE),
        },
    ),
    Department(
        "security",
        _("综治平安"),
        _("综治中心（平安建设办公室）"),
        (
            catalogue.WORK,
            catalogue.PUBLICITY,
            catalogue.PETITIONS,
            catalogue.DISPUTES,
            catalogue.JUDICIAL,
        ),
        ("security", "law"),
    ),
    Department(
        "civil",
        _("民政"),
        _("民政办公室"),
        (
            catalogue.BASICS,
            catalogue.WORK,
            catalogue.PUBLICITY,
            catalogue.DESK,
            catalogue.AID,
            catalogue.RESOURCES,
        ),
        ("civil", "elderly", "disability"),
    ),
    Department(
        "civilisation",
        _("精神文明建设"),
        _("精神文明建设办公室"),
        (
            catalogue.WORK,
            catalogue.PUBLICITY,
            catalogue.CAMPAIGNS,
            catalogue.HONOURS_AREA,
            catalogue.VOICE,
        ),
        ("culture", "volunteering", "science"),
    ),
]
_DEPARTMENTS = {d.code: d for d in DEPARTMENTS}


def department(code: str) -> Department | None:
    return _DEPARTMENTS.get(code)


def _worker_rows(user: User) -> dict[str, Q]:
    """A worker's own rows, source by source: what they organised or entered, handled, took
    part in as inspector, issued or re-checked. Sources not named here (residents, groups,
    staff, units, campaign applications) are the place's, not anybody's own work."""
    record = Q(organiser__user=user) | Q(created_by=user)
    inspected = Exists(
        Inspection.inspectors.through.objects.filter(inspection=OuterRef("pk"), user=user)
    )
    rechecked = Exists(Recheck.objects.filter(rectification=OuterRef("pk"), by=user))
    order = Q(created_by=user) | Q(rechecked)
    rows = {
        "records": record,
        "services": Q(handled_by=user),
        "cases": Q(assignee=user),
        "screenings": Q(by=user),
        "inspections": Q(inspected),
        "rooms": Q(inspection__in=Inspection.objects.filter(inspected).values("pk")),
        "rectifications": order,
        "rectifications_open": order,
        "agreements": Q(created_by=user),
        "honours": Q(staff__user=user),  # honours the worker received in person
        "assistance": Q(created_by=user),
        "donations": Q(created_by=user),
        "supply_moves": Q(created_by=user),
        "opinions": Q(created_by=user),
        "deliberations": Q(created_by=user),
        "questionnaires": Q(created_by=user),
        "responses": Q(created_by=user),
    }
    own_records = WorkRecord.objects.filter(record).values("pk")
    for code, prefix in _RECORD_SOURCES.items():
        if prefix:
            rows[code] = Q(record__in=own_records)
    return rows


# What "one's own" means, source by source, for the appendix's definitions.
WORKER_NOTES: dict[str, str | Promise] = {
    "records": _("本人组织或登记的工作记录"),
    "quantities": _("本人组织或登记的工作记录"),
    "participants": _("本人组织或登记的工作记录"),
    "visits": _("本人组织或登记的走访记录"),
    "services": _("本人经办的办事登记"),
    "cases": _("本人承办的案件"),
    "screenings": _("本人登记的排查"),
    "inspections": _("本人参加的检查"),
    "rooms": _("本人参加的检查"),
    "rectifications": _("本人下达或复查的整改通知"),
    "rectifications_open": _("本人下达或复查的整改通知"),
    "honours": _("本人获得的荣誉"),
}


@dataclass(frozen=True)
class Subject:
    kind: str = PLACE
    department: Department | None = None
    worker: User | None = None

    def rows(self, source_code: str) -> Q | None:
        """The filter that narrows a source to the subject's rows: Q() for all of them, None
        when the source has nothing of the subject's."""
        if self.kind == DEPARTMENT:
            narrow = self.department.only.get(source_code, Q())
            if source_code in _RECORD_SOURCES:
                # A subquery, not a join: a record with two of the topics is one record.
                topics = WorkRecord.objects.filter(topics__code__in=self.department.topics).values(
                    "pk"
                )
                lookup = "record__in" if _RECORD_SOURCES[source_code] else "pk__in"
                narrow &= Q(**{lookup: topics})
            return narrow
        if self.kind == WORKER:
            return _worker_rows(self.worker).get(source_code)
        return Q()

    def covers(self, indicator: Indicator) -> bool:
        if self.kind == DEPARTMENT and indicator.area not in self.department.areas:
            return False
        return self.rows(indicator.source.code) is not None

    def narrowed(self, indicators: list[Indicator]) -> list[Indicator]:
        """The indicators the subject's summary names, each over the subject's rows only (the
        same id, name and definition; a source of its own, so the engine groups them)."""
        if self.kind == PLACE:
            return list(indicators)
        sources: dict[str, Source] = {}
        out = []
        for indicator in indicators:
            if not self.covers(indicator):
                continue
            code = indicator.source.code
            if code not in sources:
                sources[code] = _narrow(indicator.source, self.rows(code), self.tag)
            out.append(dataclasses.replace(indicator, source=sources[code]))
        return out

    def narrow(self, indicator: Indicator) -> Indicator | None:
        """One indicator over the subject's rows (the drill-down); None outside the subject."""
        found = self.narrowed([indicator])
        return found[0] if found else None

    @property
    def tag(self) -> str:
        if self.kind == DEPARTMENT:
            return f"department:{self.department.code}"
        if self.kind == WORKER:
            return f"worker:{self.worker.pk}"
        return ""

    def query(self) -> dict[str, str]:
        """What a link to the drill-down adds to name the subject."""
        if self.kind == DEPARTMENT:
            return {"department": self.department.code}
        if self.kind == WORKER:
            return {"worker": str(self.worker.pk)}
        return {}

    def note(self, indicator: Indicator) -> str:
        """What the appendix adds to an indicator's definition for this subject."""
        if self.kind == WORKER:
            own = WORKER_NOTES.get(indicator.source.code, _("本人登记的记录"))
            return str(_("（只计%(own)s）") % {"own": own})
        if self.kind == DEPARTMENT and indicator.source.code in _RECORD_SOURCES:
            return str(_("（只计工作领域为%(topics)s的工作记录）") % {"topics": self.topic_names})
        if self.kind == DEPARTMENT and indicator.source.code in self.department.only:
            return str(_("（只计%(name)s方面的记录）") % {"name": self.department.name})
        return ""

    @cached_property
    def topic_names(self) -> str:
        names = Topic.objects.filter(code__in=self.department.topics).values_list("name", flat=True)
        return "、".join(names)


PLACE_SUBJECT = Subject()


def _narrow(source: Source, rows: Q, tag: str) -> Source:
    everything = source.rows
    return dataclasses.replace(
        source,
        code=f"{source.code}@{tag}",
        rows=lambda: everything().filter(rows),
        # A rollup cell holds the place's figure, not the subject's: read the rows.
        rolls_up=False,
    )
