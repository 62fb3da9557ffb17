"""The district at scale (issue 9): `shequ demo --scale district` builds, from a fixed seed,
临江区 with ten sub-districts of ten communities — about a million residents in 300,000
households, their dwellings, special groups, a year of five million work records and some
200,000 cases and inspections — with the demo's own per-community builders (people.demo,
ledger.demo, cases.demo, inspections.demo) at a larger size, in bulk: a transaction per
community, no service call and no audit row per record, one audit row for the whole build;
then the rollup cells are rebuilt so the statistics are ready. With `people_only`
(`--people-only`) only the registry is built — dwellings, households, residents, their groups,
rentals, units, staff and organisations — which is all the registry's lists, searches and
details read: a million residents in about a third of the CPU time (bench.run's
--database-url measures those pages).

The first two sub-districts and their first communities are the small demo's, so the demo
accounts (made through the account service) find their places. Dates are those of the
builders: the registry's fixed, the year of records, cases and inspections the year before
today, so two builds on the same day give the same rows."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.kinds import PlaceKind
from areas.models import Place
from audit import services as audit
from cases import demo as cases_demo
from cases.models import Case
from inspections import demo as inspections_demo
from ledger import demo as ledger_demo
from people import demo as people_demo
from people.models import Resident
from reports import rollups
from shequ import demo
from shequ.errors import DomainError
from shequ.signals import rows_written

# A district's community: ~3,000 households of ~3.3 persons in ~18 buildings to an estate;
# more rented flats (floating population ~15–20%), 低保 ~1.5% and disability ~5% of residents.
DISTRICT_SIZE = people_demo.Size(
    buildings=(11, 17), family_weights=(6, 20, 30, 24, 20), rented=22, dibao=0.015, disabled=0.05
)


@dataclass(frozen=True)
class Scale:
    name: str
    subdistricts: int
    communities: int  # in each sub-district (the last may have fewer, see with_communities)
    grids: tuple[int, int]  # per community
    size: people_demo.Size
    records: int  # work records of a community's year, the demo's own included
    cases: int  # times a demo community's requests, petitions and disputes
    total: int = 0  # communities in all; 0: subdistricts × communities

    @property
    def community_count(self) -> int:
        return self.total or self.subdistricts * self.communities


SCALES = {
    "district": Scale("district", 10, 10, (8, 12), DISTRICT_SIZE, 50_000, 18),
    "subdistrict": Scale("subdistrict", 1, 10, (8, 12), DISTRICT_SIZE, 50_000, 18),
    # Demo-sized communities with fewer records: a quick look, and the tests.
    "small": Scale("small", 1, 2, (3, 4), people_demo.DEMO_SIZE, 2_000, 1),
}


def with_communities(scale: Scale, n: int) -> Scale:
    """The scale with `n` communities, as many sub-districts as they fill."""
    if n < 1:
        raise DomainError(_("社区数至少为1"))
    most = (len(demo.SUBDISTRICTS) + len(SUBDISTRICT_NAMES)) * scale.communities
    if n > most:
        raise DomainError(_("社区数至多为%(n)d") % {"n": most})
    return replace(scale, subdistricts=-(-n // scale.communities), total=n)


SUBDISTRICT_NAMES = [
    "南湖街道", "北岸街道", "青山街道", "江汉街道", "长丰街道", "白沙街道", "金桥街道",
    "龙泉街道", "望江街道", "沙湖街道", "古田街道", "汉阳街道",
]  # fmt: skip
COMMUNITY_WORDS = (
    "幸福和平友谊建设光明春晖晨光阳光翠湖锦绣书香紫荆丹桂海棠玉兰芙蓉香樟银杏梧桐紫薇"
    "百合清风明月星光朝阳东风红星向阳胜利团结长青振兴兴华繁荣富强文明和谐康宁永安福寿"
    "嘉禾丰收荷塘竹园梅园杏林枫林松林柳荫桃源杨柳碧波清波汉江汀兰"
)
GRID_NUMERALS = "一二三四五六七八九十"


def _community_names() -> list[str]:
    """Names for the communities beyond the demo's: the words alone, then with 里 and 路."""
    words = [COMMUNITY_WORDS[i : i + 2] for i in range(0, len(COMMUNITY_WORDS), 2)]
    taken = {n for _, _, cs in demo.SUBDISTRICTS for n, _ in cs}
    made = [f"{w}{end}社区" for end in ("", "里", "路") for w in words]
    return [n for n in made if n not in taken]


def _grid_name(n: int) -> str:
    if n <= 10:
        return f"第{GRID_NUMERALS[n - 1]}网格"
    return f"第十{GRID_NUMERALS[n - 11]}网格"


def _place(kind: str, name: str, code: str, parent: Place | None) -> Place:
    """The place with that code, or a new one (its path holds its own id), unaudited: the
    build's one audit row counts them."""
    existing = Place.objects.filter(code=code).first()
    if existing is not None:
        return existing
    place = Place.objects.create(
        kind=kind, name=name, code=code, parent=parent, path=f"/new-{code}/"
    )
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.save(update_fields=["path"])
    return place


def places(scale: Scale, rng: random.Random) -> tuple[Place, list[Place]]:
    """The district and its communities (with their grids), those already there kept."""
    district = _place(PlaceKind.DISTRICT, *demo.DISTRICT, None)
    names = iter(_community_names())
    demo_names = {code: ([n for n, _ in cs], name) for name, code, cs in demo.SUBDISTRICTS}
    communities: list[Place] = []
    for s in range(1, scale.subdistricts + 1):
        code = f"{demo.DISTRICT[1][:6]}{s:03d}000"
        given, sd_name = demo_names.get(code, ([], SUBDISTRICT_NAMES[s - 1 - len(demo_names)]))
        subdistrict = _place(PlaceKind.SUBDISTRICT, sd_name, code, district)
        left = scale.community_count - len(communities)
        for c in range(1, min(scale.communities, left) + 1):
            name = given[c - 1] if c <= len(given) else next(names)
            community = _place(PlaceKind.COMMUNITY, name, f"{code[:9]}{c:03d}", subdistrict)
            for g in range(1, rng.randint(*scale.grids) + 1):
                _place(PlaceKind.GRID, _grid_name(g), f"{community.code}{g:03d}", community)
            communities.append(community)
    return district, communities


# --- The build -------------------------------------------------------------------------------

STAGES = {  # stage: its tables (the builders' count keys) with their Chinese names
    "people": {
        "dwellings": _("房屋"), "households": _("户"), "residents": _("居民"),
        "memberships": _("重点人群登记"), "rentals": _("出租登记"), "units": _("辖区单位"),
        "staff": _("社区工作者"), "organisations": _("组织"),
    },
    "records": {
        "records": _("工作记录"), "participants": _("具名参与人"), "visits": _("走访对象"),
        "services": _("办事登记"),
    },
    "cases": {"cases": _("案件"), "case_events": _("案件进程"), "screenings": _("矛盾排查")},
    "inspections": {
        "inspections": _("检查"), "rectifications": _("整改通知"), "rechecks": _("复查"),
        "agreements": _("责任书"),
    },
}  # fmt: skip
STAGE_NAMES = {
    "people": _("人口与房屋"),
    "records": _("工作记录"),
    "cases": _("诉求与案件"),
    "inspections": _("安全检查"),
}


@dataclass
class Built:
    scale: Scale
    seed: int
    communities: int  # built now (those that had residents already are skipped)
    counts: dict[str, int]
    seconds: dict[str, float]  # per stage, and "rollups"


def refuse_if_populated(*, add: bool) -> None:
    """Nothing is written over a registry that holds residents unless asked to add."""
    present = Resident.objects.count()
    if present and not add:
        raise DomainError(
            _(
                "数据库中已有居民%(n)d人，未生成规模数据。如确需在现有数据上补充，请加 --add"
                "（已有居民的社区会跳过）。"
            )
            % {"n": present}
        )


def build(
    scale: Scale,
    *,
    seed: int = demo.SEED,
    add: bool = False,
    people_only: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> Built:
    """Build the scale's district (see the module's note); `say` gets the progress lines;
    `people_only`: the people stage alone (no work records, cases or inspections)."""
    refuse_if_populated(add=add)
    started = time.perf_counter()
    rng = random.Random(f"{seed}-places")
    with transaction.atomic():
        district, communities = places(scale, rng)
        demo.ensure_accounts()
        demo.ensure_catalogues()
    say(
        _("区划就绪：%(c)d个社区（%(s).1f秒）")
        % {"c": len(communities), "s": time.perf_counter() - started}
    )
    counts = {key: 0 for tables in STAGES.values() for key in tables}
    seconds = dict.fromkeys(STAGES, 0.0)
    ids = people_demo.IdSource()
    checklists = inspections_demo.versions()
    built = 0
    for n, community in enumerate(communities, start=1):
        if Resident.objects.filter(place_path__under=community.path).exists():
            continue  # only with --add: that community was built before
        made = _community(scale, seed, community, ids, checklists, seconds, people_only)
        for key in counts:
            counts[key] += made.get(key, 0)
        built += 1
        reset_queries()  # with DEBUG on, Django keeps every query's text
        say(
            _(
                "[%(n)d/%(all)d] %(name)s：居民%(r)d人、%(h)d户、工作记录%(w)d条、案件%(c)d件、"
                "检查%(i)d次（累计%(t).0f秒）"
            )
            % {
                "n": n,
                "all": len(communities),
                "name": community.name,
                "r": made.get("residents", 0),
                "h": made.get("households", 0),
                "w": made.get("records", 0),
                "c": made.get("cases", 0),
                "i": made.get("inspections", 0),
                "t": time.perf_counter() - started,
            }
        )
    for stage, tables in STAGES.items():
        if people_only and stage != "people":
            continue
        say(
            _("%(stage)s：%(rows)s（%(s).1f秒）")
            % {
                "stage": STAGE_NAMES[stage],
                "rows": "、".join(f"{label}{counts[key]:,}" for key, label in tables.items()),
                "s": seconds[stage],
            }
        )
    with transaction.atomic():
        rows_written.send(None)  # written in bulk: no rollup cell is trusted until rebuilt
        audit.record(
            None,
            "demo.scale",
            district,
            data={
                "scale": scale.name,
                "seed": seed,
                "communities": built,
                "residents": counts["residents"],
                "households": counts["households"],
                "records": counts["records"],
                "cases": counts["cases"],
                "inspections": counts["inspections"],
            },
        )
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as after any large load
    start = time.perf_counter()
    cells = sum(rollups.rebuild(district, year).cells for year in rollups.years_with_rows(district))
    seconds["rollups"] = time.perf_counter() - start
    say(_("统计汇总数已重算：%(n)d条（%(s).1f秒）") % {"n": cells, "s": seconds["rollups"]})
    say(
        _("各表行数：%(rows)s")
        % {"rows": "、".join(f"{name}{n:,}" for name, n in table_rows().items())}
    )
    say(_("全部完成，用时%(s).0f秒。") % {"s": time.perf_counter() - started})
    return Built(scale, seed, built, counts, seconds)


def table_rows() -> dict[str, int]:
    """Rows in each table the build writes, named as the models are (links included)."""
    from cases.models import Event
    from inspections.models import Answer, Inspection, Recheck, Rectification
    from ledger.models import Participant, Quantity, WorkRecord
    from people.models import Household, Membership, Residence
    from reports.models import RollupCell

    models = [Place, Household, Resident, Residence, Membership, WorkRecord,
              WorkRecord.topics.through, Quantity, Participant, Case, Event, Inspection, Answer,
              Rectification, Recheck, RollupCell]  # fmt: skip
    out = {}
    for model in models:
        name = str(model._meta.verbose_name)
        if model is WorkRecord.topics.through:
            name = _("工作记录的工作领域")
        out[name] = model.objects.count()
    return out


def _community(scale, seed, community, ids, checklists, seconds, people_only) -> dict[str, int]:
    """One community, in one transaction: people, then (unless `people_only`) the year's
    records, cases and inspections."""
    made: dict[str, int] = {}

    def stage(name: str, part: str, fn) -> None:
        start = time.perf_counter()
        for key, n in fn(random.Random(f"{seed}-{part}-{community.code}")).items():
            made[key] = made.get(key, 0) + n
        seconds[name] += time.perf_counter() - start

    def records(rng: random.Random) -> dict[str, int]:
        out = ledger_demo.populate(community, rng, photos=False)
        more = scale.records - out["records"]
        if more > 0:
            residents = list(
                Resident.objects.filter(place_path__under=community.path)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            places = [community, *community.children.order_by("code")]
            bulk = ledger_demo.bulk_records(
                rng, places, more, end=timezone.localdate(), days=365, residents=residents
            )
            out["records"] += bulk["records"]
            out["participants"] += bulk["participants"]
        return out

    with transaction.atomic():
        stage("people", "people", lambda r: people_demo.populate(community, r, ids, scale.size))
        if people_only:
            return made
        stage("records", "records", records)
        stage("cases", "cases", lambda r: cases_demo.populate(community, r, factor=scale.cases))
        stage(
            "inspections",
            "inspections",
            lambda r: inspections_demo.populate(community, r, checklists),
        )
    return made
