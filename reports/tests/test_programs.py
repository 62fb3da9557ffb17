"""The programs figures against a year worked out by hand (programs/tests/sample.py): every
indicator and rate, the drill-down behind each, the assistance amount against the payments and
the assistance list's totals, aid resting on a health group kept from roles that may not see
it, the summary's sections and prompts, and the home page's opinions waiting too long."""

import datetime
import io
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from docx import Document

from people.ledgers import Span
from people.models import GroupCategory
from programs.models import Assistance
from programs.services import AID_GROUPS, settle_opinion
from programs.tests.sample import EXPECTED, EXPECTED_RATES, Y, build, day
from programs.tests.voice_factories import opinion
from reports import catalogue, services
from reports.engine import OWN, evaluate, records_behind
from reports.summary import summary_span

YEAR = Span(day(1, 1), day(12, 31))
COVERAGE = ("campaigns.households_reached", "campaigns.eligible_households")
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
    assert {i.id for i in PROGRAMS} == set(EXPECTED) | set(COVERAGE)  # none left untested
    for rate in RATES:
        if rate.id in EXPECTED_RATES:
            top, bottom, _value = figures.rate(rate)
            assert (top, bottom, rate.shown(top, bottom)) == EXPECTED_RATES[rate.id], rate.id
    assert {r.id for r in RATES} == set(EXPECTED_RATES) | {"rate.campaigns.coverage"}
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
        assert page.context["total"] == figures.totals[indicator.id], indicator.id
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


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_the_summary_has_the_programs_sections_with_their_figures(world):
    build(world)
    head = world.cast["community_head"]
    _snapshot, content = services.generate_summary(world.community, summary_span(Y), by=head)
    body = _text(content)
    for title in ("评选创建", "获得荣誉", "救助帮扶", "社会捐赠和物资管理", "社情民意和议事协商"):
        assert f"、{title}" in body, title
    assert (
        "全年本社区家庭和单位参加评选创建，提交申报7份，截至"
        f"{Y}年12月31日入围4份、获评2份，评选入围率57.1%，评选获评率28.6%。" in body
    )
    assert "全年评定授牌3份（按授牌日期统计），发放证书/牌匾2份。" in body
    reached, open_to = _naive_coverage(world.community, summary_span(Y))  # counted apart
    assert 0 < reached <= open_to
    assert (
        f"家庭类评选参评范围内{open_to}户，其中{reached}户提交了申报，"
        f"家庭评选覆盖率{reached * 100 / open_to:.1f}%。" in body
    )
    assert "参加的评选有：“节水型家庭”（申报5份，获评2份）；“先进单位”（申报2份）。" in body
    assert (
        "全年获得各级荣誉3项，其中国家级1项、市级1项、区级1项：“全国文明社区”（国家级，"
        "中央文明委授予）；“市级卫生先进单位”（市级，市爱卫会授予，三号店）；“优秀社区工作者”"
        "（区级，区民政局授予，李晓燕）。" in body
    )
    assert (
        "全年发放各类救助、补贴和慰问9笔，共5400.5元，惠及3户、3人"
        "（发给全户的计户，发给个人的计人，同一户或同一人多次受助只计一次）。" in body
    )
    assert "其中发放低保金3000元，涉及低保户2户。" in body
    assert (
        "按类型：低保金4笔3000元（2户）；临时救助2笔2000.5元（1人）；慰问金1笔300元（1户1人）；"
        "高龄补贴1笔100元（1人）；慰问物资1笔（1户）。" in body
    )
    assert "依据残疾等健康类人群登记发放残疾人补贴等2笔，共400元，涉及1人。" in body
    assert "全年接受捐赠3笔，收到捐款2200元，发放捐赠款物3笔，发放捐款800元。" in body
    assert "物资管理方面，物资入库2次，发放出库2次。" in body
    assert (
        "全年收集社情民意6条，其中提交议事协商2条、答复或办理1条、上报上级1条，"
        "意见提交议事率33.3%、意见答复办理率16.7%；已处理4条，意见处理率66.7%，仍有2条待处理。"
        in body
    )
    assert (
        "全年召开议事协商3次，参加30人次，截至"
        f"{Y}年12月31日协商结果已公示1次，协商结果公示率33.3%。" in body
    )
    assert "全年开展问卷调查1次，收回问卷答卷4份。" in body
    # Prompts seeded with what is still open.
    assert "全年收集的社情民意中，仍有2条待处理。" in body
    assert "对待处理的2条居民意见逐条明确责任人" in body
    assert f"截至{Y}年12月31日，有2次议事协商的结果尚未公示。" in body
    table = Document(io.BytesIO(content)).tables[-1]
    rows = {r.cells[1].text: r.cells[2].text for r in table.rows[1:]}
    assert rows["救助金额（元）"] == "5400.5"
    assert rows["评选获评率"] == "28.6%\n（2/7）"


def test_the_summary_states_coverage_when_no_household_applied(world):
    build(world)
    from django.utils import timezone

    from programs.models import Application

    Application.objects.update(voided_at=timezone.now(), void_reason="撤回")  # all withdrawn
    head = world.cast["community_head"]
    _snapshot, content = services.generate_summary(world.community, summary_span(Y), by=head)
    body = _text(content)
    assert "参加评选创建，提交申报" not in body
    _reached, open_to = _naive_coverage(world.community, summary_span(Y))
    assert open_to > 0
    assert f"家庭类评选参评范围内{open_to}户，其中0户提交了申报" in body


def test_the_summary_keeps_health_aid_from_roles_without_it(world):
    build(world)
    viewer = world.cast["viewer"]
    summary = services.summarise(world.community, summary_span(Y), by=viewer)
    prose = "".join(p.text for para in summary.paragraphs() for p in para)
    assert "残疾人补贴" not in prose
    assert "aid.health_amount" not in summary.used()


def test_the_summary_page_links_aid_by_kind_to_the_assistance_list(
    client, world, django_assert_max_num_queries
):
    build(world)
    client.force_login(world.cast["community_head"])
    # The evaluation and the page as in test_summary (there 47, with the largest activities'
    # query this year has no records for), and three scoped queries that name things: the
    # campaigns entered, the honours received, the aid by kind; and six for the groups not
    # visited (their categories, the members, the four reads of visits and residences), as
    # this world has 低保 households.
    with django_assert_max_num_queries(56):
        page = client.get(reverse("reports:summary"), {"place": world.community.pk, "year": Y})
    html = page.content.decode()
    assert reverse("reports:drill", args=["aid.amount"]) in html
    listing = reverse("programs:assistance-list")
    opened = client.get(
        f"{listing}?kind=临时救助&place={world.community.pk}&start={Y}-01-01&end={Y}-12-31"
    )
    assert opened.context["total"].amount == Decimal("2000.50")
    assert f"{listing}?" in html and "kind=" in html
    honour = reverse("programs:honour-detail", args=[_honour(world).pk])
    assert honour in html


def _honour(world):
    from programs.models import Honour

    return Honour.objects.get(title="全国文明社区")


def test_the_summary_leaves_the_programs_out_without_records(world):
    summary = services.summarise(world.community, summary_span(Y), by=world.cast["community_head"])
    titles = [s.title for s in summary.sections]
    for title in ("评选创建", "获得荣誉", "救助帮扶", "社会捐赠和物资管理", "社情民意和议事协商"):
        assert title not in titles and title in summary.left_out


def test_the_home_page_names_opinions_waiting_over_thirty_days(
    client, world, django_assert_max_num_queries
):
    today = timezone.localdate()
    old = opinion(world.grid, days_ago=31)
    opinion(world.grid, days_ago=30)  # not yet over 30 days
    settle_opinion(opinion(world.grid, days_ago=40), outcome="已答复", reply="已修好", by=None)
    opinion(world.neighbour_community, days_ago=90)
    client.force_login(world.cast["community_worker"])
    # 21, and one that finds no rollup cells for the year (reports/rollups.py)
    with django_assert_max_num_queries(22):
        page = client.get(reverse("areas:place-detail", args=[world.community.pk]))
    tiles = {t.label: t for t in page.context["tiles"]}
    tile = tiles["超过30天待处理的居民意见"]
    assert tile.value == 1 and tile.attention
    listed = client.get(tile.url)
    assert [o.pk for o in listed.context["rows"]] == [old.pk]
    assert (today - datetime.timedelta(days=31)).isoformat() in tile.url
    client.force_login(world.outsiders["community_worker"])
    page = client.get(reverse("areas:place-detail", args=[world.neighbour_community.pk]))
    assert {t.label: t.value for t in page.context["tiles"]}["超过30天待处理的居民意见"] == 1


def test_the_placeholders_the_docs_give_as_examples_exist():
    import re
    from pathlib import Path

    from reports import documents

    docs = (Path(__file__).resolve().parents[2] / "docs" / "summary-template.md").read_text()
    ctx = documents.sample_context()
    for name in re.findall(r"`n\.([a-z_]+)`", docs):
        assert name in ctx["n"], name
    for name in re.findall(r"`rates\.([a-z_]+)`", docs):
        assert name in ctx["rates"], name


def test_voided_and_withdrawn_records_count_in_no_figure(world):
    """Void a payment, correct another, void a gift and an issue, withdraw a shortlisted
    application: each figure moves by exactly what those rows carried, and the drill-down
    still lists exactly what is counted."""
    from programs import corrections
    from programs.models import Donation, SupplyMove
    from programs.services import AssistanceData

    sample = build(world)
    aid = sample.aid
    corrections.void_assistance(aid["temp1"], reason="重复登记", version=0, by=None)
    dibao_d2 = aid["dibao_d2"]
    corrections.correct_assistance(
        dibao_d2,
        AssistanceData("低保金", "民政", dibao_d2.date, amount="650", household=dibao_d2.household),
        reason="金额录错",
        version=0,
        by=None,
    )
    corrections.void_donation(
        Donation.objects.get(party_name="张大妈"), reason="实为下一期捐款", version=0, by=None
    )
    corrections.void_move(
        SupplyMove.objects.get(kind="发放出库", counterpart="重阳节慰问"),
        reason="未实际发放",
        version=0,
        by=None,
    )
    a3 = sample.applications["a3"]
    corrections.withdraw_application(a3, reason="申报对象录错", stage=a3.stage, by=None)

    expected = dict(EXPECTED)
    expected.update({
        "campaigns.applied": 6,  # a3 withdrawn
        "campaigns.shortlisted": 3,
        "aid.payments": 8,  # temp1 voided; dibao_d2 replaced by its correction
        "aid.amount": Decimal("5400.50") - Decimal("1500.50") + Decimal("50"),
        "aid.dibao_amount": Decimal("3050"),
        "donations.gifts": 2,
        "donations.money_in": Decimal("2000"),
        "supplies.issued": 1,
    })  # fmt: skip
    figures = evaluate(PROGRAMS, world.community, YEAR, rows=True)
    assert {i: figures.totals[i] for i in EXPECTED} == expected
    for indicator in PROGRAMS:
        behind = records_behind(indicator, world.community, YEAR)
        assert behind.count() == figures.rows[indicator.id], indicator.id
    summed = Assistance.objects.filter(
        catalogue.GENERAL_AID,
        voided_at__isnull=True,
        place_path__under=world.community.path,
        date__gte=YEAR.start,
        date__lte=YEAR.end,
    ).aggregate(s=Sum("amount"))["s"]
    assert summed == expected["aid.amount"]


def _naive_coverage(place, span: Span) -> tuple[int, int]:
    """Households reached and eligible, counted one by one with the programs app's own
    `eligible` (each campaign's population over its period), among the households someone
    lives in on the period's last day, for the campaigns of that day's year up to it and the
    applications to them made by that day."""
    from people.models import Residence
    from programs.models import Application, Campaign
    from programs.services import eligible

    first = datetime.date(span.end.year, 1, 1)
    living = {
        r.household_id
        for r in Residence.objects.on(span.end)
        if r.household.place_path.startswith(place.path)
    }
    campaigns = [
        c
        for c in Campaign.objects.all()
        if c.subject == Campaign.Subject.HOUSEHOLD
        and c.starts_on <= span.end
        and c.ends_on >= first
    ]
    open_to = living & {pk for c in campaigns for pk in eligible(c).values_list("pk", flat=True)}
    applied = {  # to those campaigns, on any day up to the period's last
        a.household_id
        for a in Application.objects.filter(voided_at__isnull=True, household__isnull=False)
        if a.campaign in campaigns and a.applied_on <= span.end
    }
    return len(open_to & applied), len(open_to)


def test_campaign_coverage_equals_a_household_by_household_count(world):
    build(world)
    from programs.models import Campaign
    from programs.tests.factories import household

    # A household the campaigns' registration filter leaves out, and the campaigns of other
    # places: not eligible.
    household(world.grid, registration="流动", head_name="流动户")
    Campaign.objects.filter(subject="household").update(eligible_filter="户籍、常住")
    for place, span in (
        (world.community, YEAR),
        (world.subdistrict, YEAR),
        (world.grid, Span(day(3, 1), day(3, 31))),
        (world.community, Span(day(1, 1, Y + 1), day(3, 1, Y + 1))),
    ):
        figures = evaluate(PROGRAMS, place, span, rows=True)
        reached, open_to = _naive_coverage(place, span)
        assert figures.totals["campaigns.households_reached"] == reached, (place, span)
        assert figures.totals["campaigns.eligible_households"] == open_to, (place, span)
        for id_ in COVERAGE:  # the drill-down lists the rows read
            assert (
                records_behind(catalogue.indicator(id_), place, span).count() == (figures.rows[id_])
            )
    figures = evaluate(PROGRAMS, world.community, YEAR)
    coverage = next(r for r in catalogue.RATES if r.id == "rate.campaigns.coverage")
    top, bottom, _value = figures.rate(coverage)
    assert 0 < top <= bottom
