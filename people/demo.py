"""A plausible population for one demo community: estates, buildings and dwellings; households
of realistic sizes and ages; residents with valid ID numbers; special-group memberships in
proportions like a real urban community's; rentals, local units, staff and organisations.

Built with bulk inserts (a community of ~3,000 residents in a few seconds) and one audit row for
the whole load, written by shequ.demo."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from stdnum.cn import uscc

from areas.kinds import PlaceKind
from areas.models import Building, Dwelling, Estate, LocalUnit, Place
from people import idnumber
from people.choices import (
    Education,
    HukouType,
    MaritalStatus,
    PoliticalStatus,
    Registration,
    Relation,
    Sex,
)
from people.models import (
    GroupCategory,
    Household,
    Membership,
    Organisation,
    OrganisationMember,
    Rental,
    Residence,
    Resident,
    Staff,
)

TODAY = datetime.date(2026, 11, 1)  # fixed, so the demo is the same whenever it is built
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国志文斌海峰永春东林成"
FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳"
ESTATES = ["阳光花园", "锦绣家园", "翠湖苑", "和平里", "东风小区", "书香门第", "滨江华庭", "金桂园"]
STREETS = ["建设路", "解放路", "中山路", "和平街", "人民路", "友谊大道"]
OTHER_REGIONS = ["411302", "511321", "430621", "340822", "362330", "420984", "421127", "500233"]
REGION_NAMES = {
    "411302": "河南省南阳市宛城区",
    "511321": "四川省南充市南部县",
    "430621": "湖南省岳阳市岳阳县",
    "340822": "安徽省安庆市怀宁县",
    "362330": "江西省上饶市波阳县",
    "420984": "湖北省孝感市汉川市",
    "421127": "湖北省黄冈市黄梅县",
    "500233": "重庆市忠县",
}
LOCAL_REGION = "420106"
SHOP_NAMES = ["便利店", "理发店", "药房", "餐馆", "水果店", "五金店", "早餐店", "干洗店", "超市"]
BRANCHES = ["第一党支部", "第二党支部", "离退休党支部"]


def _name(rng: random.Random, sex: str) -> str:
    chars = MALE if sex == Sex.MALE else FEMALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
    return rng.choice(SURNAMES) + given


def _birth(rng: random.Random, age_low: int, age_high: int) -> datetime.date:
    days = rng.randint(age_low * 365, age_high * 365 + 364)
    return TODAY - datetime.timedelta(days=days)


def _age(birth: datetime.date) -> int:
    return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Size:
    """How big a community is and how its people are spread: the demo's own community by
    default; the district of `shequ demo --scale` (shequ.scale) passes larger ones."""

    buildings: tuple[int, int] = (4, 7)  # per estate (5 or 6 estates)
    family_weights: tuple[int, ...] = (18, 30, 28, 15, 9)  # households of 1…5 persons
    rented: int = 13  # of every hundred flats above the ground floor (14 there)
    dibao: float = 0.025  # households on 低保
    disabled: float = 0.03  # residents with a disability certificate


DEMO_SIZE = Size()


def save_residents(residents: list[Resident]) -> None:
    """Write new residents in bulk, every derived search column filled as the service's
    save fills it (name initials; the database computes the number and phone tails). The one
    place a bulk build writes residents, so a change to how they are stored changes here."""
    for resident in residents:
        resident.set_initials()
    Resident.objects.bulk_create(residents, batch_size=1000)


@dataclass
class _Person:
    name: str
    sex: str
    birth: datetime.date
    relation: str
    hukou: str
    region: str
    resident: Resident | None = None


@dataclass
class _Plan:
    residents: list[Resident] = field(default_factory=list)
    households: list[tuple[Household, list[_Person]]] = field(default_factory=list)


class IdSource:
    """Unique valid ID numbers."""

    def __init__(self) -> None:
        self.used: set[str] = set(Resident.objects.values_list("id_number", flat=True))
        self.sequence = 0

    def make(self, region: str, birth: datetime.date, male: bool) -> str:
        while True:
            self.sequence += 2
            number = idnumber.make(region, birth, self.sequence, male=male)
            if number not in self.used:
                self.used.add(number)
                return number


def _family(rng: random.Random, floating: bool, weights: tuple[int, ...]) -> list[_Person]:
    hukou = HukouType.FLOATING if floating else HukouType.LOCAL
    region = rng.choice(OTHER_REGIONS) if floating else LOCAL_REGION
    size = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
    head_sex = Sex.MALE if rng.random() < 0.65 else Sex.FEMALE
    head_age = rng.randint(66, 92) if size == 1 and rng.random() < 0.45 else rng.randint(26, 78)
    if floating:
        head_age = rng.randint(22, 55)
    head = _Person(
        _name(rng, head_sex),
        head_sex,
        _birth(rng, head_age, head_age),
        Relation.HEAD,
        hukou,
        region,
    )
    people = [head]
    if size >= 2:
        spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
        spouse_age = max(20, head_age + rng.randint(-5, 3))
        people.append(
            _Person(
                _name(rng, spouse_sex),
                spouse_sex,
                _birth(rng, spouse_age, spouse_age),
                Relation.SPOUSE,
                hukou,
                region,
            )
        )
    for _ in range(size - len(people)):
        if head_age > 58 and rng.random() < 0.4:
            child_age = max(0, head_age - rng.randint(50, 60))
            relation = Relation.GRANDCHILD
        else:
            child_age = max(0, head_age - rng.randint(22, 36))
            relation = None
        sex = Sex.MALE if rng.random() < 0.51 else Sex.FEMALE
        relation = relation or (Relation.SON if sex == Sex.MALE else Relation.DAUGHTER)
        surname = (
            head.name[0] if relation in (Relation.SON, Relation.DAUGHTER) else rng.choice(SURNAMES)
        )
        name = surname + _name(rng, sex)[1:]
        people.append(
            _Person(name, sex, _birth(rng, child_age, child_age), relation, hukou, region)
        )
    return people


def _education(rng: random.Random, age: int) -> str:
    if age < 6:
        return Education.PRESCHOOL
    if age < 12:
        return Education.PRIMARY
    if age < 15:
        return Education.JUNIOR
    weights = [3, 18, 17, 27, 24, 9, 2] if age < 60 else [1, 5, 7, 22, 33, 25, 7]
    options = [
        Education.POSTGRADUATE,
        Education.BACHELOR,
        Education.COLLEGE,
        Education.HIGH_SCHOOL,
        Education.JUNIOR,
        Education.PRIMARY,
        Education.NONE,
    ]
    return rng.choices(options, weights=weights)[0]


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "186", "187", "150", "159", "177"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def populate(
    community: Place, rng: random.Random, ids: IdSource | None = None, size: Size = DEMO_SIZE
) -> dict[str, int]:
    """Build one community's population. Returns how many of each record were made."""
    ids = ids or IdSource()
    grids = list(community.children.filter(kind=PlaceKind.GRID).order_by("code")) or [community]
    categories = {c.code: c for c in GroupCategory.objects.all()}
    counts: dict[str, int] = {}

    # Estates, buildings and dwellings, spread over the grids.
    estate_names = rng.sample(ESTATES, k=rng.randint(5, 6))
    estates = []
    for i, name in enumerate(estate_names):
        grid = grids[i % len(grids)]
        street = rng.choice(STREETS)
        estates.append(
            Estate(
                name=name,
                address=f"{street}{rng.randint(1, 400)}号",
                place=grid,
                place_path=grid.path,
            )
        )
    Estate.objects.bulk_create(estates)
    buildings = []
    for estate in estates:
        for number in range(1, rng.randint(*size.buildings) + 1):
            buildings.append(
                Building(
                    estate=estate,
                    name=f"{number}栋",
                    units=rng.randint(2, 3),
                    floors=rng.choice([6, 7, 11, 18]),
                    place=estate.place,
                    place_path=estate.place_path,
                )
            )
    Building.objects.bulk_create(buildings)
    dwellings = []
    for building in buildings:
        for unit in range(1, building.units + 1):
            for floor in range(1, min(building.floors, 9) + 1):
                for room in (1, 2):
                    usage = rng.choices(
                        [
                            Dwelling.Usage.OWNER,
                            Dwelling.Usage.RENTED,
                            Dwelling.Usage.VACANT,
                            Dwelling.Usage.SHOP,
                        ],
                        weights=(
                            [91 - size.rented, size.rented, 6, 3]
                            if floor == 1
                            else [93 - size.rented, size.rented + 1, 6, 0]
                        ),
                    )[0]
                    dwellings.append(
                        Dwelling(
                            building=building,
                            unit=f"{unit}单元",
                            room=f"{floor}0{room}",
                            address=f"{building.estate.name}{building.name}{unit}单元{floor}0{room}室",
                            usage=usage,
                            area=rng.randint(45, 140),
                            place=building.place,
                            place_path=building.place_path,
                        )
                    )
    Dwelling.objects.bulk_create(dwellings)
    counts["dwellings"] = len(dwellings)

    # Households and residents.
    plan = _Plan()
    occupied = [d for d in dwellings if d.usage in (Dwelling.Usage.OWNER, Dwelling.Usage.RENTED)]
    number_base = int(community.code[-6:]) * 10000
    for n, dwelling in enumerate(occupied, start=1):
        floating = dwelling.usage == Dwelling.Usage.RENTED and rng.random() < 0.8
        family = _family(rng, floating, size.family_weights)
        household = Household(
            number=f"{number_base + n:010d}",
            dwelling=dwelling,
            registration=Registration.FLOATING if floating else Registration.LOCAL,
            place=dwelling.place,
            place_path=dwelling.place_path,
        )
        for person in family:
            age = _age(person.birth)
            married = person.relation in (Relation.HEAD, Relation.SPOUSE) and age >= 22
            status = (
                PoliticalStatus.PARTY
                if age >= 18 and rng.random() < 0.07
                else (
                    PoliticalStatus.LEAGUE
                    if 14 <= age <= 28 and rng.random() < 0.3
                    else PoliticalStatus.MASSES
                )
            )
            person.resident = Resident(
                name=person.name,
                id_number=ids.make(person.region, person.birth, person.sex == Sex.MALE),
                sex=person.sex,
                birth_date=person.birth,
                education=_education(rng, age),
                political_status=status,
                marital_status=(
                    MaritalStatus.MARRIED if married else MaritalStatus.SINGLE if age >= 18 else ""
                ),
                phone=_phone(rng) if age >= 16 else "",
                hukou_type=person.hukou,
                place=household.place,
                place_path=household.place_path,
            )
            plan.residents.append(person.resident)
        plan.households.append((household, family))
    save_residents(plan.residents)
    for household, family in plan.households:
        household.head = family[0].resident
    Household.objects.bulk_create([h for h, _ in plan.households], batch_size=1000)
    residences = []
    for household, family in plan.households:
        household_since = _birth(rng, 0, 20)
        for person in family:
            moved_in = max(person.birth, household_since)
            residences.append(
                Residence(
                    household=household,
                    resident=person.resident,
                    relation=person.relation,
                    since=moved_in,
                )
            )
    Residence.objects.bulk_create(residences, batch_size=2000)
    counts["households"] = len(plan.households)
    counts["residents"] = len(plan.residents)

    counts["memberships"] = _memberships(rng, plan, categories, size)
    counts.update(_rentals_units_staff(rng, community, grids, plan, dwellings, ids))
    return counts


def _memberships(rng, plan: _Plan, categories, size: Size) -> int:
    made = []

    def add(code, person=None, household=None, start=None, **attributes):
        subject = person.resident if person else household
        start = start or _birth(rng, 0, 6)
        if person is not None:
            start = max(start, person.birth)
        made.append(
            Membership(
                category=categories[code],
                resident=person.resident if person else None,
                household=household,
                start=start,
                attributes={k: v for k, v in attributes.items() if v not in (None, "")},
                place=subject.place,
                place_path=subject.place_path,
            )
        )

    for household, family in plan.households:
        if rng.random() < size.dibao:
            amount = f"{rng.choice([680, 720, 760, 800]) * len(family)}.00"
            add(
                "dibao",
                household=household,
                monthly_amount=amount,
                covered_persons=len(family),
                certificate_no=f"DB{rng.randint(100000, 999999)}",
            )
        for person in family:
            age = _age(person.birth)
            if age >= 80:
                add(
                    "elderly",
                    person,
                    start=person.birth.replace(year=person.birth.year + 80)
                    if not (person.birth.month == 2 and person.birth.day == 29)
                    else datetime.date(person.birth.year + 80, 3, 1),
                    living_alone=len(family) == 1,
                )
            if person.resident.political_status == PoliticalStatus.PARTY:
                add(
                    "party",
                    person,
                    branch=rng.choice(BRANCHES),
                    party_status="正式党员" if rng.random() < 0.95 else "预备党员",
                    joined=_birth(rng, 1, max(1, age - 18)).isoformat(),
                    mobile=person.hukou == HukouType.FLOATING,
                )
            if person.hukou == HukouType.FLOATING and age >= 16:
                add(
                    "floating",
                    person,
                    origin=REGION_NAMES.get(person.region, person.region),
                    arrival=_birth(rng, 0, 5).isoformat(),
                )
            if rng.random() < size.disabled:
                add(
                    "disabled",
                    person,
                    disability_type=rng.choice(
                        ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
                    ),
                    grade=rng.choice(["一级", "二级", "三级", "四级"]),
                    certificate_no=person.resident.id_number
                    + f"{rng.randint(1, 7)}{rng.randint(1, 4)}",
                )
            if age >= 25 and person.sex == Sex.MALE and rng.random() < 0.04:
                add("veteran", person, veteran_type=rng.choice(["退役士兵", "转业军官"]))
            if person.sex == Sex.FEMALE and 15 <= age <= 49:
                add("childbearing", person, children=rng.choice([0, 1, 1, 2]))
            if 18 <= age <= 59 and rng.random() < 0.025:
                add("unemployed", person, registered=_birth(rng, 0, 1).isoformat())
            if 18 <= age <= 60 and rng.random() < 0.0008:
                add("correction", person, correction_type=rng.choice(["缓刑", "假释", "管制"]))
            if 18 <= age <= 70 and rng.random() < 0.0008:
                add("released", person, released_on=_birth(rng, 0, 4).isoformat())
            if age >= 16 and rng.random() < 0.004:
                add("mental", person, risk_level=rng.choice(["0级", "1级", "2级", "3级"]))
            if age >= 60 and rng.random() < 0.003:
                add("tekun", person, support_type=rng.choice(["集中供养", "分散供养"]))
    Membership.objects.bulk_create(made, batch_size=2000)
    return len(made)


def _credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "92" + LOCAL_REGION + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _rentals_units_staff(rng, community, grids, plan: _Plan, dwellings, ids) -> dict[str, int]:
    by_dwelling = {h.dwelling_id: h for h, _ in plan.households}
    locals_ = [
        p.resident
        for _, fam in plan.households
        for p in fam
        if p.hukou == HukouType.LOCAL and _age(p.birth) >= 30
    ]
    rentals = []
    for dwelling in dwellings:
        if dwelling.usage != Dwelling.Usage.RENTED:
            continue
        landlord = rng.choice(locals_)
        tenant = by_dwelling.get(dwelling.pk)
        rentals.append(
            Rental(
                dwelling=dwelling,
                landlord=landlord,
                landlord_name=landlord.name,
                landlord_phone=landlord.phone,
                tenant_household=tenant,
                tenant_name=tenant.head.name if tenant else "",
                tenants=rng.randint(1, 4),
                start=_birth(rng, 0, 3),
                place=dwelling.place,
                place_path=dwelling.place_path,
            )
        )
    Rental.objects.bulk_create(rentals)
    units = []
    shops = [d for d in dwellings if d.usage == Dwelling.Usage.SHOP]
    for dwelling in shops:
        surname = rng.choice(SURNAMES)
        units.append(
            LocalUnit(
                name=f"{surname}记{rng.choice(SHOP_NAMES)}",
                credit_code=_credit_code(rng),
                kind=LocalUnit.Kind.SHOP,
                address=dwelling.address,
                dwelling=dwelling,
                contact_name=surname + rng.choice(MALE),
                contact_phone=_phone(rng),
                legal_representative=surname + rng.choice(MALE + FEMALE),
                place=dwelling.place,
                place_path=dwelling.place_path,
            )
        )
    for kind, name in [
        (LocalUnit.Kind.SCHOOL, "实验小学"),
        (LocalUnit.Kind.MEDICAL, "社区卫生服务站"),
        (LocalUnit.Kind.MARKET, "农贸市场"),
        (LocalUnit.Kind.COMPANY, "物业服务有限公司"),
    ]:
        grid = rng.choice(grids)
        units.append(
            LocalUnit(
                name=f"{community.name[:2]}{name}",
                credit_code=_credit_code(rng),
                kind=kind,
                address=f"{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                contact_name=rng.choice(SURNAMES) + rng.choice(FEMALE),
                contact_phone=_phone(rng),
                place=grid,
                place_path=grid.path,
            )
        )
    LocalUnit.objects.bulk_create(units)

    posts = (
        [
            Staff.Post.SECRETARY,
            Staff.Post.DIRECTOR,
            Staff.Post.DEPUTY_DIRECTOR,
            Staff.Post.MEMBER,
            Staff.Post.MEMBER,
        ]
        + [Staff.Post.WORKER] * rng.randint(5, 9)
        + [Staff.Post.GRID] * len(grids)
    )
    staff = []
    for post in posts:
        sex = Sex.FEMALE if rng.random() < 0.7 else Sex.MALE
        staff.append(
            Staff(
                name=_name(rng, sex),
                sex=sex,
                birth_date=_birth(rng, 24, 56),
                phone=_phone(rng),
                post=post,
                education=rng.choices(
                    [
                        Education.POSTGRADUATE,
                        Education.BACHELOR,
                        Education.COLLEGE,
                        Education.HIGH_SCHOOL,
                    ],
                    weights=[4, 45, 40, 11],
                )[0],
                political_status=PoliticalStatus.PARTY
                if rng.random() < 0.6
                else PoliticalStatus.MASSES,
                start_date=_birth(rng, 0, 15),
                place=community,
                place_path=community.path,
            )
        )
    Staff.objects.bulk_create(staff)

    orgs = []
    for kind, name in [
        (Organisation.Kind.PARTY_BRANCH, f"{community.name}党支部"),
        (Organisation.Kind.COMMITTEE, f"{community.name}居民委员会"),
        (Organisation.Kind.MEDIATION, f"{community.name}人民调解委员会"),
        (Organisation.Kind.PATROL, f"{community.name}平安巡逻队"),
        (Organisation.Kind.VOLUNTEERS, f"{community.name}志愿服务队"),
    ]:
        orgs.append(
            Organisation(
                kind=kind,
                name=name,
                established=datetime.date(2010 + rng.randint(0, 10), 1, 1),
                term_start=datetime.date(2021, 6, 1),
                term_end=datetime.date(2026, 5, 31),
                place=community,
                place_path=community.path,
            )
        )
    Organisation.objects.bulk_create(orgs)
    members = []
    adults = [r for r in plan.residents if _age(r.birth_date) >= 18]
    for org in orgs:
        if org.kind in (Organisation.Kind.PARTY_BRANCH, Organisation.Kind.COMMITTEE):
            for person, role in zip(
                staff[:5], ["书记", "主任", "副主任", "委员", "委员"], strict=True
            ):
                members.append(
                    OrganisationMember(
                        organisation=org, staff=person, role=role, since=datetime.date(2021, 6, 1)
                    )
                )
        else:
            size = {Organisation.Kind.PATROL: 12, Organisation.Kind.VOLUNTEERS: 45}.get(org.kind, 5)
            for i, person in enumerate(rng.sample(adults, k=min(size, len(adults)))):
                members.append(
                    OrganisationMember(
                        organisation=org,
                        resident=person,
                        role=(
                            ("队长" if i == 0 else "队员")
                            if org.kind in (Organisation.Kind.PATROL, Organisation.Kind.VOLUNTEERS)
                            else ("主任" if i == 0 else "委员")
                        ),
                        since=_birth(rng, 0, 5),
                    )
                )
    OrganisationMember.objects.bulk_create(members)
    return {
        "rentals": len(rentals),
        "units": len(units),
        "staff": len(staff),
        "organisations": len(orgs),
    }
