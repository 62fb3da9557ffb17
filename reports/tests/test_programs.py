"""The programs figures against a year worked out by hand (programs/tests/sample.py): every
indicator and rate, the drill-down behind each, the assistance amount against the payments and
the assistance list's totals, and aid resting on a health group kept from roles that may not
see it."""

from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from people.ledgers import Span
from people.models import GroupCategory
from programs.models import Assistance
from programs.services import AID_GROUPS
from programs.tests.sample import EXPECTED, EXPECTED_RATES, Y, build, day
from reports import catalogue
from reports.engine import OWN, evaluate, records_behind

YEAR = Span(day(1, 1), day(12, 31))
AREAS = [
    catalogue.CAMPAIGNS,
    catalogue.HONOURS_AREA,
    catalogue.AID,
    catalogue.RESOURCES,
    catalogue.VOICE,
]
PROGRAMS = [i for i in catalogue.INDICATORS if i.area in AREAS]
RATES = [r for r in catalogue.RATES if r.area in AREAS]


def test_every_programs_figure_equals_the_count_made_by_hand(world):
    build(world)
    figures = evaluate(PROGRAMS, world.community, YEAR, rows=True)
    assert {i: figures.totals[i] for i in EXPECTED} == EXPECTED
    assert {i.id for i in PROGRAMS} == set(EXPECTED)  # none left untested
    for rate in RATES:
        top, bottom, _value = figures.rate(rate)
        assert (top, bottom, rate.shown(top, bottom)) == EXPECTED_RATES[rate.id], rate.id
    assert {r.id for r in RATES} == set(EXPECTED_RATES)
    # By grid: the community's own rows form their bucket (本级).
    assert figures.by_child["opinions.all"] == {world.grid.pk: 4, world.neighbour_grid.pk: 1,
                                                OWN: 1}  # fmt: skip
    assert figures.by_child["aid.households"] == {world.grid.pk: 2, world.neighbour_grid.pk: 1}
    assert figures.by_child["campaigns.applied"] == {world.grid.pk: 6, world.neighbour_grid.pk: 1}
    assert figures.by_child["donations.money_in"] == {OWN: Decimal("2200")}
    assert figures.by_month["aid.amount"][day(1, 1)] == Decimal("1400")  # 800 + 600
    assert figures.by_month["campaigns.awarded"] == {day(1, 1): 1, day(4, 1): 2}


def test_the_sub_district_adds_up_its_communities_and_its_own_rows(world):
    build(world)
    figures = evaluate(PROGRAMS, world.subdistrict, YEAR)
    home, next_door = world.community.pk, world.neighbour_community.pk
    assert figures.by_child["campaigns.applied"] == {home: 7, next_door: 1}  # b2
    assert figures.by_child["campaigns.awarded"] == {home: 3, next_door: 1}
    assert figures.by_child["aid.amount"] == {home: Decimal("5400.50"), next_door: Decimal("999")}
    assert figures.by_child["supplies.received"] == {home: 2, next_door: 1, OWN: 1}
    assert figures.totals["honours.city"] == 2
    assert figures.totals["opinions.all"] == 7
    assert figures.totals["questionnaires.responses"] == 5


def test_the_drill_down_lists_exactly_the_counted_records(client, world):
    sample = build(world)
    figures = evaluate(PROGRAMS, world.community, YEAR, rows=True)
    for indicator in PROGRAMS:
        behind = records_behind(indicator, world.community, YEAR)
        assert behind.count() == figures.rows[indicator.id], indicator.id
    a = sample.applications
    applied = records_behind(catalogue.indicator("campaigns.applied"), world.community, YEAR)
    assert set(applied) == {a[k] for k in ("a1", "a2", "a3", "a4", "a5", "u1", "u2")}
    won = records_behind(catalogue.indicator("campaigns.won"), world.community, YEAR)
    assert set(won) == {a["a1"], a["a2"]}
    awarded = records_behind(catalogue.indicator("campaigns.awarded"), world.community, YEAR)
    assert set(awarded) == {a["a1"], a["a2"], a["b1"]}
    amount = records_behind(catalogue.indicator("aid.amount"), world.community, YEAR)
    aid = sample.aid
    paid = {"dibao1", "dibao2", "dibao3", "dibao_d2", "temp1", "temp2", "elderly", "both"}
    assert set(amount) == {aid[k] for k in paid}  # the goods had no money; no health aid
    health = records_behind(catalogue.indicator("aid.health_amount"), world.community, YEAR)
    assert set(health) == {aid["health1"], aid["health2"]}
    still_open = records_behind(catalogue.indicator("opinions.open"), world.community, YEAR)
    assert set(still_open) == {sample.opinions["o5"], sample.opinions["o6"]}

    client.force_login(world.cast["community_head"])
    query = {"place": world.community.pk, "start": f"{Y}-01-01", "end": f"{Y}-12-31"}
    for indicator in PROGRAMS:
        page = client.get(reverse("reports:drill", args=[indicator.id]), query)
        assert page.status_code == 200, indicator.id
        assert page.context["total"] == EXPECTED[indicator.id], indicator.id
        assert len(page.context["rows"]) == figures.rows[indicator.id], indicator.id
        for row in page.context["rows"]:
            assert row.url and client.get(row.url).status_code == 200, (indicator.id, row)
    page = client.get(reverse("reports:drill", args=["campaigns.awarded"]), query)
    b1 = next(r for r in page.context["rows"] if r.title.startswith("平安家庭"))
    # The sub-district's campaign page is beyond a community head: the row opens the
    # application in the 评选台账 instead.
    assert a["b1"].applicant_name in client.get(b1.url).content.decode()
    client.force_login(world.cast["grid_worker"])  # the community's campaigns are above too
    mine = {"place": world.grid.pk, "start": f"{Y}-01-01", "end": f"{Y}-12-31"}
    page = client.get(reverse("reports:drill", args=["campaigns.applied"]), mine)
    assert len(page.context["rows"]) == 6  # a1 a2 a4 a5, u1 u2 (a3 is in the other grid)
    assert all(client.get(r.url).status_code == 200 for r in page.context["rows"])
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:drill", args=["honours.all"]), query)
    assert {r.title for r in page.context["rows"]} == {
        "全国文明社区（国家级，中央文明委授予）",
        "市级卫生先进单位（市级，市爱卫会授予）",
        "优秀社区工作者（区级，区民政局授予）",
    }
    page = client.get(reverse("reports:drill", args=["aid.amount"]), query)
    titles = {r.title for r in page.context["rows"]}
    assert "临时救助 · 临时困难者（1500.5元）" in titles
    assert any(t.startswith("低保金 · 户号") and t.endswith("（800元）") for t in titles)


def test_the_assistance_amount_is_the_sum_of_the_payments(world):
    build(world)
    figures = evaluate(PROGRAMS, world.community, YEAR)
    paid = Assistance.objects.filter(
        place_path__startswith=world.community.path, date__gte=YEAR.start, date__lte=YEAR.end
    )
    every = paid.aggregate(n=Sum("amount"))["n"]
    assert figures.totals["aid.amount"] + figures.totals["aid.health_amount"] == every
    assert figures.totals["aid.payments"] + figures.totals["aid.health_payments"] == paid.count()
    health = paid.filter(membership__category__sensitivity=GroupCategory.Sensitivity.HEALTH)
    assert figures.totals["aid.amount"] == every - health.aggregate(n=Sum("amount"))["n"]
    dibao = paid.filter(kind="低保金")
    assert figures.totals["aid.dibao_amount"] == dibao.aggregate(n=Sum("amount"))["n"]
    assert figures.totals["aid.dibao_households"] == dibao.values("household").distinct().count()


def test_the_aid_figures_match_the_assistance_list_each_role_sees(client, world):
    """The list's totals read Assistance.objects.visible_to: for a role without the health
    permission they are the general figures; with it, the general and the health ones."""
    build(world)
    figures = evaluate(PROGRAMS, world.community, YEAR)
    t = figures.totals
    period = {"start": f"{Y}-01-01", "end": f"{Y}-12-31", "place": world.community.pk}
    client.force_login(world.cast["viewer"])  # the community, without VIEW_HEALTH
    total = client.get(reverse("programs:assistance-list"), period).context["total"]
    assert (total.amount, total.payments) == (t["aid.amount"], t["aid.payments"])
    assert (total.households, total.persons) == (t["aid.households"], t["aid.persons"])
    client.force_login(world.cast["community_worker"])  # with VIEW_HEALTH
    total = client.get(reverse("programs:assistance-list"), period).context["total"]
    assert total.amount == t["aid.amount"] + t["aid.health_amount"]
    assert total.payments == t["aid.payments"] + t["aid.health_payments"]
    assert total.persons == t["aid.persons"] + t["aid.health_persons"]  # nobody in both


def test_aid_resting_on_a_health_group_is_only_for_roles_that_see_it(client, world):
    build(world)
    client.force_login(world.cast["viewer"])
    page = client.get(reverse("reports:statistics"), {"place": world.community.pk, "year": Y})
    ids = {f["indicator"].id for s in page.context["sections"] for f in s["figures"]}
    assert "aid.amount" in ids and "aid.health_amount" not in ids
    assert client.get(reverse("reports:drill", args=["aid.health_amount"])).status_code == 404
    drill = client.get(
        reverse("reports:drill", args=["aid.payments"]), {"place": world.community.pk, "year": Y}
    )
    assert not any("残疾人补贴" in r.title for r in drill.context["rows"])
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("reports:statistics"), {"place": world.community.pk, "year": Y})
    ids = {f["indicator"].id for s in page.context["sections"] for f in s["figures"]}
    assert "aid.health_amount" in ids
    # No kind of aid rests on a judicial group, so no judicial aid figures are needed.
    judicial = GroupCategory.objects.filter(
        code__in=AID_GROUPS.values(), sensitivity=GroupCategory.Sensitivity.JUDICIAL
    )
    assert not judicial.exists()


def test_the_statistics_page_shows_the_programs_rates_with_their_counts(client, world):
    build(world)
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("reports:statistics"), {"place": world.community.pk, "year": Y})
    rates = {r["rate"].id: r for s in page.context["sections"] for r in s["rates"]}
    won = rates["rate.campaigns.won"]
    assert (won["top"], won["bottom"], won["percent"]) == (2, 7, "28.6%")
    areas = [s["area"] for s in page.context["sections"]]
    assert areas[-5:] == AREAS
    listing = client.get(reverse("reports:indicator-list")).content.decode()
    assert "评选获评率" in listing and "发给全户的救助计户" in listing
