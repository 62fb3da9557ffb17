"""Reading the registry for lists and search: one query for the page, one for its tags."""

from __future__ import annotations

import datetime
import re

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import LocalUnit
from areas.paging import PAGE_SIZE, after_in_place_order
from people.models import Household, Membership, Residence, Resident
from shequ.errors import DomainError


def years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def current_address() -> Subquery:
    return Subquery(
        Residence.objects.filter(resident=OuterRef("pk"), until__isnull=True).values(
            "household__dwelling__address"
        )[:1]
    )


def search(residents: QuerySet, q: str) -> QuerySet:
    """Name, pinyin initials ("zs"), ID number (whole or its last digits), mobile, address."""
    q = q.strip()
    if not q:
        return residents
    compact = re.sub(r"\s", "", q).upper()
    if re.fullmatch(r"\d{17}[\dX]", compact):
        return residents.filter(id_number=compact)
    # The last digits of an ID number or a phone: found through the indexed last four; a whole
    # phone through its keyed hash (shequ/crypto.py) among those.
    ending_in = _ending_in("id_number", "id_tail", compact)
    if re.fullmatch(r"1\d{10}", compact):
        return _through_index(residents, Q(phone_tail=compact[-4:], phone=compact) | ending_in)
    if re.fullmatch(r"\d{4,}|\d{3,}X", compact):
        return _through_index(residents, ending_in | _ending_in("phone", "phone_tail", compact))
    if re.fullmatch(r"[A-Za-z]{1,10}", q):
        key = q.lower()
        initials = Q(name_initials__prefix=key) | Q(
            # "> ''" repeats the partial index's condition, so SQLite can use that index.
            name_initials_alt__gt="",
            name_initials_alt__prefix=key,
        )
        # One letter matches many: reading the list in order finds a page at once.
        return residents.filter(initials) if len(key) == 1 else _through_index(residents, initials)
    if ADDRESS_HINT.search(q):
        return living_at(residents, q)
    name = re.sub(r"\s", "", q)  # "张 三" as typed with a space
    if len(name) == 1:
        # A surname: common enough that reading the list in order finds a page at once.
        return residents.filter(name__prefix=name)
    # A fuller name: few match, so find them through the name index first.
    return _through_index(residents, Q(name__prefix=name))


def _ending_in(field: str, tail: str, digits: str) -> Q:
    """Residents whose `field` ends in `digits`: the last four through the indexed `tail`; more
    digits than four are compared after decrypting the few that share those four (the column
    holds ciphertext, which SQL cannot compare)."""
    if len(digits) <= 4:
        return Q(**{tail: digits})
    candidates = Resident.objects.filter(**{tail: digits[-4:]}).values_list("pk", field)
    return Q(pk__in=[pk for pk, value in candidates if value.endswith(digits)])


def _through_index(residents: QuerySet, condition: Q) -> QuerySet:
    """Residents matching `condition`, found through its own indexes first and only then put
    in list order (rather than the list read in order and each row checked)."""
    return residents.filter(pk__in=Resident.objects.filter(condition).values("pk"))


def living_at(residents: QuerySet, text: str) -> QuerySet:
    """Residents whose current dwelling's address contains `text`."""
    there = Residence.objects.filter(
        until__isnull=True, household__dwelling__address__contains=text
    ).values("resident_id")
    return residents.filter(pk__in=there)


# Text with a digit or a word of an address is looked up in addresses; other text in names.
ADDRESS_HINT = re.compile(r"[0-9０-９栋幢单元室号楼路街巷弄村苑园区小]")


def filter_residents(residents: QuerySet, data: dict) -> QuerySet:
    today = timezone.localdate()
    if place := data.get("place"):
        residents = residents.filter(place_path__under=place.path)
    if status := data.get("status"):
        residents = residents.filter(status=status)
    if sex := data.get("sex"):
        residents = residents.filter(sex=sex)
    if age := data.get("age"):
        low, _, high = age.partition("-")
        residents = residents.filter(birth_date__lte=years_ago(today, int(low)))
        if high:
            residents = residents.filter(birth_date__gt=years_ago(today, int(high) + 1))
    if group := data.get("group"):
        # The group's members through its (category, place) index, not a check per resident.
        members = Membership.objects.current().filter(category=group, resident__isnull=False)
        if place := data.get("place"):
            members = members.filter(place_path__under=place.path)
        residents = residents.filter(pk__in=members.values("resident_id"))
    return search(residents, data.get("q") or "")


def residents_at(residents: QuerySet, data: dict) -> QuerySet:
    """The list's other filters, and living at an address containing `q` (the fallback when
    no name starts with it)."""
    return living_at(filter_residents(residents, {**data, "q": ""}), (data.get("q") or "").strip())


def list_page(
    residents: QuerySet, data: dict, user, after: int | None, *, by_address: bool = False
) -> tuple[list[Resident], int | None, bool]:
    """One page of the resident list (`page_of`) for the filters in `data`. When `q` finds
    nobody on the first page, perhaps it names an estate or a street ("书香门第"): the page
    of those living at an address containing it instead. `by_address` asks for that from the
    start (the next pages of such a list); the third value says whether the page is one."""
    q = (data.get("q") or "").strip()
    if q and by_address:
        return (*page_of(residents_at(residents, data), user, after), True)
    rows, more = page_of(filter_residents(residents, data), user, after)
    if q and not rows and after is None:
        return (*page_of(residents_at(residents, data), user, None), True)
    return rows, more, False


def page_of(residents: QuerySet, user, after: int | None) -> tuple[list[Resident], int | None]:
    """One page in (place, id) order after the resident `after`, with place, address and the
    current memberships of the groups the user may see (`visible_groups`, and their names in
    `group_names`); and the resident to continue after, if there is more."""
    residents = after_in_place_order(residents, after)
    rows = list(
        residents.order_by("place_path", "pk")
        .select_related("place")
        .annotate(address=current_address())[: PAGE_SIZE + 1]
    )
    more = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    held: dict[int, list[Membership]] = {r.pk: [] for r in rows}
    groups = (
        Membership.objects.visible_to(user)
        .current()
        .filter(resident_id__in=list(held))
        .select_related("category")
        .only("resident", "start", "end", "category__code", "category__name")
        .order_by("category__order", "category_id")
    )
    for membership in groups:
        held[membership.resident_id].append(membership)
    for r in rows:
        r.visible_groups = held[r.pk]
        r.group_names = [m.category.name for m in r.visible_groups]
    return rows, more


def staff_figures(staff: QuerySet, today) -> dict:
    """Head count, share with high school or above, mean age and party members of the staff
    in `staff`: one aggregate query."""
    from django.db.models import Avg, Count, F

    from people.choices import HIGH_SCHOOL_OR_ABOVE, PoliticalStatus

    figures = staff.aggregate(
        count=Count("id"),
        high=Count("id", filter=Q(education__in=HIGH_SCHOOL_OR_ABOVE)),
        party=Count(
            "id",
            filter=Q(political_status__in=[PoliticalStatus.PARTY, PoliticalStatus.PROBATIONARY]),
        ),
        birth_year=Avg(F("birth_date__year")),
    )
    count = figures["count"]
    return {
        "count": count,
        "high": figures["high"],
        "high_share": round(100 * figures["high"] / count, 1) if count else 0,
        "party": figures["party"],
        # Whole years, as staff statistics are kept: this year minus the mean birth year.
        "mean_age": round(today.year - figures["birth_year"], 1) if count else 0,
    }


def find_resident(text: str, *, by, field: str = "who") -> Resident:
    """The resident a desk worker names by ID number or full name, within their place; a
    Chinese error when none or several match."""
    text = re.sub(r"\s", "", text).upper()
    if not text:
        raise DomainError(_("请填写居民的身份证号码或姓名"), field=field)
    residents = Resident.objects.visible_to(by).present()
    if re.fullmatch(r"\d{17}[\dX]", text):
        found = list(residents.filter(id_number=text)[:2])
    else:
        found = list(residents.filter(name=text)[:2])
    if not found:
        raise DomainError(
            _("本辖区在住居民中没有姓名或身份证号码为“%(t)s”的，请核对；未登记的请先登记")
            % {"t": text},
            field=field,
        )
    if len(found) > 1:
        raise DomainError(
            _("本辖区有多位名为“%(t)s”的居民，请输入身份证号码") % {"t": text}, field=field
        )
    return found[0]


def pick(user, q: str) -> dict:
    """What a worker picks from when adding someone to a record or a case: residents by the
    registry's own search (name, pinyin initials, ID number, phone, address), each with their
    household; units by name; a household by its number."""
    candidates = search(Resident.objects.visible_to(user).present(), q)
    found = list(candidates.order_by("place_path", "pk").select_related("place")[:20])
    homes = dict(
        Residence.objects.current()
        .filter(resident__in=found)
        .values_list("resident_id", "household_id")
    )
    for resident in found:
        resident.household_id = homes.get(resident.pk)
    return {
        "found": found,
        "found_units": list(LocalUnit.objects.visible_to(user).filter(name__contains=q)[:10]),
        "found_households": list(Household.objects.visible_to(user).filter(number=q)[:5]),
    }
