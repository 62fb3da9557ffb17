"""The registry's standard ledgers (台账): column layouts over the registry's tables, for any
place and any day. Nothing here is entered; every row is read from the records
(DESIGN.md rule 5). The same definitions feed the screen and the .xlsx export."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from accounts.roles import Perm, has_perm
from areas.models import Place
from audit.masking import mask
from people.models import (
    Membership,
    OrganisationMember,
    Rental,
    Residence,
    Resident,
)
from people.queries import years_ago


@dataclass(frozen=True)
class Col:
    header: str
    get: Callable[[Any], Any]
    width: int = 12
    sensitive: bool = False  # masked unless the user may see it in full
    as_text: bool = False
    total: bool = False  # summed in the 合计 row that ends the export and the print


@dataclass(frozen=True)
class Span:
    """The period a period ledger covers, both days included."""

    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Ledger:
    """A ledger as of one day (who was registered on it), or, with `period`, over a span of
    days (what was done in it): its source then takes a `Span` where others take a date."""

    code: str
    title: str  # "低保台账"; the place's name goes in front
    columns: list[Col]
    source: Callable[[Place, Any, Any], QuerySet]
    needs: Perm = Perm.VIEW_RECORDS
    description: str = ""
    period: bool = False

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def has_totals(self) -> bool:
        return any(c.total for c in self.columns)

    def totals(self, rows: list[list[Any]]) -> list[Any]:
        """The 合计 row of `rows`: the sum of each `total` column, None in the others."""
        summed, sums = self.totalling(rows)
        for _row in summed:
            pass
        return sums()

    def totalling(
        self, rows: Iterable[list[Any]]
    ) -> tuple[Iterator[list[Any]], Callable[[], list[Any]]]:
        """`rows` passed on one by one, and the 合计 of those passed so far: for an export that
        streams its rows and writes the 合计 under them."""
        sums: list[Any] = [decimal.Decimal(0) if c.total else None for c in self.columns]
        summed = [i for i, c in enumerate(self.columns) if c.total]

        def each() -> Iterator[list[Any]]:
            for row in rows:
                for i in summed:
                    if row[i] is not None:
                        sums[i] += row[i]
                yield row

        return each(), lambda: list(sums)

    def render(self, records, day: datetime.date | Span, *, full: bool) -> Iterator[list[Any]]:
        """Each record as its row of cells; sensitive cells masked unless `full`."""
        on_day = day.end if isinstance(day, Span) else day
        for record in records:
            record.on_day = on_day  # for columns that depend on the day, such as age
            yield [
                mask(v) if c.sensitive and not full else v
                for c in self.columns
                for v in [c.get(record)]
            ]

    def rows(self, place: Place, day: datetime.date, user) -> Iterator[list[Any]]:
        """Every row, for export: numbers in full for roles that may see them."""
        records = self.source(place, day, user).iterator(chunk_size=2000)
        return self.render(records, day, full=has_perm(user, Perm.VIEW_SENSITIVE))

    def count(self, place: Place, day: datetime.date, user) -> int:
        return self.source(place, day, user).count()


def _address_of_resident(day: datetime.date) -> Subquery:
    """Where the member lived on the ledger's day."""
    return Subquery(
        Residence.objects.filter(resident=OuterRef("resident_id"))
        .on(day)
        .values("household__dwelling__address")[:1]
    )


def _attr(key: str) -> Callable[[Membership], Any]:
    def get(m: Membership) -> Any:
        value = m.attributes.get(key, "")
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    return get


def _attr_date(key: str) -> Callable[[Membership], Any]:
    def get(m: Membership) -> Any:
        value = m.attributes.get(key)
        try:
            return datetime.date.fromisoformat(value) if value else None
        except ValueError:
            return value

    return get


def _members_on(code: str) -> Callable[[Place, datetime.date, Any], QuerySet]:
    def source(place: Place, day: datetime.date, user) -> QuerySet:
        return (
            Membership.objects.visible_to(user)
            .on(day)
            .filter(category__code=code, place_path__under=place.path)
            .select_related("resident", "household__head", "household__dwelling")
            .annotate(address=_address_of_resident(day))
            .order_by("place_path", "id")
        )

    return source


def _residents_on(place: Place, day: datetime.date, user) -> QuerySet:
    """Everyone living in a household under `place` on `day`."""
    return (
        Residence.objects.filter(household__place_path__under=place.path)
        .filter(household__in=_households_visible(user))
        .on(day)
        .select_related("resident", "household__dwelling")
        .order_by("household__place_path", "household__number", "since", "id")
    )


def _households_visible(user):
    from people.models import Household

    return Household.objects.visible_to(user).values("pk")


def _elderly_on(place: Place, day: datetime.date, user) -> QuerySet:
    alone = Membership.objects.on(day).filter(
        category__code="elderly", resident=OuterRef("resident_id"), attributes__living_alone=True
    )
    return (
        _residents_on(place, day, user)
        .filter(resident__birth_date__lte=years_ago(day, 80))
        .annotate(alone=Exists(alone))
    )


def _rentals_on(place: Place, day: datetime.date, user) -> QuerySet:
    return (
        Rental.objects.visible_to(user)
        .filter(place_path__under=place.path, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .select_related("dwelling", "tenant_household__head")
        .order_by("place_path", "dwelling__address")
    )


def _organisations_on(place: Place, day: datetime.date, user) -> QuerySet:
    from people.models import Organisation

    organisations = Organisation.objects.visible_to(user).filter(place_path__under=place.path)
    return (
        OrganisationMember.objects.filter(organisation__in=organisations, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .filter(Q(organisation__dissolved_on__isnull=True) | Q(organisation__dissolved_on__gt=day))
        .select_related("organisation", "resident", "staff")
        .order_by("organisation__kind", "organisation__name", "since", "id")
    )


def _person(get: Callable[[Any], Resident]) -> list[Col]:
    return [
        Col(_("姓名"), lambda r: get(r).name, 10),
        Col(_("性别"), lambda r: get(r).sex, 6),
        Col(_("出生日期"), lambda r: get(r).birth_date, 12),
        Col(_("身份证号码"), lambda r: get(r).id_number, 21, sensitive=True, as_text=True),
    ]


def _phone(get: Callable[[Any], str]) -> Col:
    return Col(_("联系电话"), get, 14, sensitive=True, as_text=True)


LEDGERS: dict[str, Ledger] = {}


def register(ledger: Ledger) -> None:
    """Add a ledger; other apps add theirs when they load (their AppConfig.ready)."""
    LEDGERS[ledger.code] = ledger


register(
    Ledger(
        code="population",
        title=_("人口信息台账"),
        description=_("统计日在本区划各户居住的全部居民"),
        source=_residents_on,
        columns=[
            *_person(lambda r: r.resident),
            Col(_("民族"), lambda r: r.resident.ethnicity, 8),
            Col(_("文化程度"), lambda r: r.resident.education, 10),
            Col(_("政治面貌"), lambda r: r.resident.political_status, 10),
            Col(_("婚姻状况"), lambda r: r.resident.marital_status, 8),
            Col(_("户籍类型"), lambda r: r.resident.hukou_type, 8),
            Col(_("户号"), lambda r: r.household.number, 12, as_text=True),
            Col(_("与户主关系"), lambda r: r.relation, 10),
            Col(
                _("住址"),
                lambda r: r.household.dwelling.address if r.household.dwelling else "",
                28,
            ),
            _phone(lambda r: r.resident.phone),
        ],
    )
)
register(
    Ledger(
        code="dibao",
        title=_("低保台账"),
        description=_("统计日在保的低保户"),
        source=_members_on("dibao"),
        columns=[
            Col(_("户主姓名"), lambda m: m.household.head.name if m.household.head else "", 10),
            Col(
                _("户主身份证号码"),
                lambda m: m.household.head.id_number if m.household.head else "",
                21,
                sensitive=True,
                as_text=True,
            ),
            Col(_("户号"), lambda m: m.household.number, 12, as_text=True),
            Col(_("保障人数"), lambda m: int(m.attributes.get("covered_persons") or 0), 8),
            Col(
                _("月保障金（元）"),
                lambda m: decimal.Decimal(m.attributes.get("monthly_amount") or 0),
                12,
            ),
            Col(_("低保证号"), _attr("certificate_no"), 14, as_text=True),
            Col(_("纳入日期"), lambda m: m.start, 12),
            Col(
                _("住址"),
                lambda m: m.household.dwelling.address if m.household.dwelling else "",
                28,
            ),
        ],
    )
)
register(
    Ledger(
        code="disabled",
        title=_("残疾人台账"),
        needs=Perm.VIEW_HEALTH,
        description=_("统计日在册的残疾人"),
        source=_members_on("disabled"),
        columns=[
            *_person(lambda m: m.resident),
            Col(_("残疾类别"), _attr("disability_type"), 8),
            Col(_("残疾等级"), _attr("grade"), 8),
            Col(_("残疾证号"), _attr("certificate_no"), 22, as_text=True),
            Col(_("住址"), lambda m: m.address or "", 28),
            _phone(lambda m: m.resident.phone),
        ],
    )
)
register(
    Ledger(
        code="elderly",
        title=_("高龄老人台账"),
        description=_("统计日年满80周岁的居民，独居情况取自“高龄/独居老人”登记"),
        source=_elderly_on,
        columns=[
            *_person(lambda r: r.resident),
            Col(_("年龄"), lambda r: r.resident.age_on(r.on_day), 6),
            Col(_("独居"), lambda r: "是" if r.alone else "否", 6),
            Col(
                _("住址"),
                lambda r: r.household.dwelling.address if r.household.dwelling else "",
                28,
            ),
            _phone(lambda r: r.resident.phone),
        ],
    )
)
register(
    Ledger(
        code="party",
        title=_("党员台账"),
        description=_("统计日在册的党员"),
        source=_members_on("party"),
        columns=[
            *_person(lambda m: m.resident),
            Col(_("入党日期"), _attr_date("joined"), 12),
            Col(_("党员类别"), _attr("party_status"), 10),
            Col(_("所在支部"), _attr("branch"), 16),
            Col(_("流动党员"), _attr("mobile"), 8),
            Col(_("住址"), lambda m: m.address or "", 28),
            _phone(lambda m: m.resident.phone),
        ],
    )
)
register(
    Ledger(
        code="floating",
        title=_("流动人口台账"),
        description=_("统计日在册的流动人口"),
        source=_members_on("floating"),
        columns=[
            *_person(lambda m: m.resident),
            Col(_("户籍地"), _attr("origin"), 18),
            Col(_("来本地日期"), _attr_date("arrival"), 12),
            Col(_("居住证号"), _attr("permit_no"), 16, as_text=True),
            Col(_("现住址"), lambda m: m.address or "", 28),
            _phone(lambda m: m.resident.phone),
        ],
    )
)
register(
    Ledger(
        code="rentals",
        title=_("出租房屋台账"),
        description=_("统计日在租的出租房屋"),
        source=_rentals_on,
        columns=[
            Col(_("房屋地址"), lambda r: r.dwelling.address, 28),
            Col(_("房东"), lambda r: r.landlord_name, 10),
            Col(_("房东电话"), lambda r: r.landlord_phone, 14, sensitive=True, as_text=True),
            Col(
                _("承租人"),
                lambda r: (
                    r.tenant_name
                    or (
                        r.tenant_household.head.name
                        if r.tenant_household and r.tenant_household.head
                        else ""
                    )
                ),
                10,
            ),
            Col(_("居住人数"), lambda r: r.tenants, 8),
            Col(_("用途"), lambda r: r.purpose, 8),
            Col(_("起租日期"), lambda r: r.start, 12),
            Col(_("到期日期"), lambda r: r.end, 12),
        ],
    )
)
register(
    Ledger(
        code="organisations",
        title=_("组织体系台账"),
        description=_("统计日各组织及其成员"),
        source=_organisations_on,
        columns=[
            Col(_("组织名称"), lambda m: m.organisation.name, 22),
            Col(_("类型"), lambda m: m.organisation.kind, 12),
            Col(_("职务"), lambda m: m.role, 10),
            Col(_("姓名"), lambda m: (m.resident or m.staff).name, 10),
            Col(_("身份"), lambda m: "居民" if m.resident_id else "社区工作者", 10),
            Col(_("加入日期"), lambda m: m.since, 12),
            Col(
                _("本届任期"),
                lambda m: (
                    f"{m.organisation.term_start:%Y-%m-%d}至{m.organisation.term_end:%Y-%m-%d}"
                    if m.organisation.term_start and m.organisation.term_end
                    else ""
                ),
                24,
            ),
        ],
    )
)
