import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from inspections.tests.factories import shop
from ledger.demo import sample_photo
from people.models import Staff
from programs import services
from programs.models import Application, Campaign, Honour
from programs.tests.factories import household

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _campaign(world, **extra) -> Campaign:
    values = {
        "name": "节水型家庭",
        "subject": "household",
        "criteria": "全年人均用水量不超过30吨",
        "starts_on": TODAY - 30 * DAY,
        "ends_on": TODAY + 30 * DAY,
        "place": world.community,
        "fields": "water:全年用水量:吨",
        "rule": "threshold",
        "rule_field": "water",
        "rule_per_member": True,
        "rule_op": "<=",
        "rule_value": Decimal("30"),
    }
    values.update(extra)
    return services.create_campaign(services.CampaignData(**values), by=None)


def _form(world, **extra) -> dict:
    form = {
        "name": "节水型家庭",
        "subject": "household",
        "criteria": "全年人均用水量不超过30吨",
        "starts_on": (TODAY - 10 * DAY).isoformat(),
        "ends_on": (TODAY + 20 * DAY).isoformat(),
        "place": world.community.pk,
        "registrations": ["户籍", "常住"],
        "fields": "water:全年用水量:吨",
        "rule": "threshold",
        "rule_field": "water",
        "rule_per_member": "on",
        "rule_op": "<=",
        "rule_value": "30",
    }
    form.update(extra)
    return form


def _step(client, application, action, **data):
    url = reverse(f"programs:application-{action}", args=[application.pk])
    return client.post(url, {"day": TODAY.isoformat(), **data}, follow=True)


def test_a_worker_runs_a_campaign_from_creation_to_award(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:campaign-create")
    assert client.get(url).status_code == 200
    bad = client.post(url, _form(world, rule_field="electricity"))
    assert bad.status_code == 200
    assert "初审依据的数据项“electricity”不存在" in str(bad.context["form"]["rule_field"].errors)
    assert not Campaign.objects.exists()
    response = client.post(url, _form(world))
    campaign = Campaign.objects.get()
    assert response.url == reverse("programs:campaign-detail", args=[campaign.pk])
    assert campaign.eligible_filter == "户籍、常住" and campaign.rule_per_member

    small = household(world.grid, members=1, head_name="节约")
    big = household(world.grid, members=2, head_name="浪费")
    household(world.grid, registration="流动")  # outside the eligible population
    household(world.neighbour_community)  # outside the campaign's place
    eligible = client.get(reverse("programs:campaign-eligible", args=[campaign.pk]))
    assert {h.pk for h in eligible.context["rows"]} == {small.pk, big.pk}
    found = client.get(reverse("programs:campaign-eligible", args=[campaign.pk]), {"q": "节约"})
    assert [h.pk for h in found.context["rows"]] == [small.pk]

    apply = reverse("programs:campaign-apply", args=[campaign.pk])
    page = client.get(apply, {"applicant": small.pk})
    assert "全年用水量（吨）" in page.content.decode()
    for home, water in ((small, "20"), (big, "70")):
        done = client.post(
            apply, {"applicant": home.pk, "applied_on": TODAY.isoformat(), "v_water": water}
        )
        assert done.status_code == 302
    after = client.get(reverse("programs:campaign-eligible", args=[campaign.pk]))
    assert after.context["rows"] == []

    detail = reverse("programs:campaign-detail", args=[campaign.pk])
    page = client.get(detail)
    assert "人均全年用水量不高于30吨/人为通过" in page.content.decode()
    assert "按规则初审（2份待审）" in page.content.decode()
    screened = client.post(reverse("programs:campaign-screen", args=[campaign.pk]), follow=True)
    assert "已按规则初审2份申报" in screened.content.decode()
    first = Application.objects.get(household=small)
    assert first.stage == "初审通过"
    assert Application.objects.get(household=big).stage == "初审未通过"

    assert "入围" in _step(client, first, "shortlist", shortlisted="1").content.decode()
    page = _step(client, Application.objects.get(pk=first.pk), "award", certificate="on")
    assert "已为" in page.content.decode()
    first.refresh_from_db()
    assert first.stage == "授牌" and first.certificate and first.awarded_on == TODAY

    page = client.get(detail)
    funnel = page.context["funnel"]
    assert (funnel.eligible, funnel.applied, funnel.passed, funnel.awarded) == (2, 2, 1, 1)
    assert page.context["coverage"] == Decimal("50.0")
    text = page.content.decode()
    assert "50.0%" in text and "授牌 1 ÷ 参评范围 2" in text
    assert "（人均35）" in text  # 70 tons for two people
    listing = client.get(reverse("programs:campaign-list"))
    assert listing.context["rows"][0].funnel == funnel
    assert AuditEntry.objects.filter(action="campaign.award").count() == 1


def test_a_unit_campaign_is_reviewed_by_hand(client, world):
    campaign = _campaign(world, name="先进单位", subject="unit", fields="", rule="manual")
    unit = shop(world.grid, "甲超市")
    shop(world.grid, "乙超市")
    client.force_login(world.cast["community_head"])
    found = client.get(reverse("programs:campaign-eligible", args=[campaign.pk]), {"q": "甲"})
    assert [u.pk for u in found.context["rows"]] == [unit.pk]
    apply = reverse("programs:campaign-apply", args=[campaign.pk])
    client.post(apply, {"applicant": unit.pk, "applied_on": TODAY.isoformat()})
    application = Application.objects.get()
    page = _step(client, application, "review", passed="1", reason="")
    assert page.status_code == 200
    assert "人工评审请写明理由" in page.content.decode()
    assert Application.objects.get().stage == "申报"
    _step(client, application, "review", passed="1", reason="消防设施完善")
    assert Application.objects.get().stage == "初审通过"


def test_stage_actions_out_of_order_are_refused(client, world):
    campaign = _campaign(world)
    home = household(world.grid)
    application = services.apply(campaign, household=home, values={"water": "10"}, by=None)
    client.force_login(world.cast["community_worker"])
    page = _step(client, application, "award", certificate="on").content.decode()
    assert "处于“已申报”阶段，不能授牌" in page
    page = _step(client, application, "shortlist", shortlisted="1").content.decode()
    assert "处于“已申报”阶段，不能确定入围" in page
    application.refresh_from_db()
    assert application.stage == "申报" and application.awarded_on is None
    # Not shortlisted needs a reason: the form comes back with it.
    services.review(application, by=None)
    page = _step(client, application, "shortlist", shortlisted="0", reason="")
    assert "请填写评审意见" in page.content.decode()
    assert Application.objects.get().stage == "初审通过"


def test_manual_campaigns_cannot_be_screened_by_rule(client, world):
    campaign = _campaign(world, rule="manual")
    services.apply(campaign, household=household(world.grid), values={"water": "1"}, by=None)
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("programs:campaign-detail", args=[campaign.pk]))
    assert not page.context["can_screen"]
    screened = client.post(reverse("programs:campaign-screen", args=[campaign.pk]), follow=True)
    assert "本次评选为人工评审，不能自动初审" in screened.content.decode()
    assert Application.objects.get().stage == "申报"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"v_water": "-3"}, "全年用水量不能为负数"),
        ({"v_water": "abc"}, "全年用水量应为数字"),
        ({"v_water": ""}, "这个字段是必填项"),
        ({"applied_on": (TODAY + 40 * DAY).isoformat()}, "申报日期不能晚于今天"),
    ],
)
def test_a_bad_application_saves_nothing(client, world, extra, message):
    campaign = _campaign(world)
    home = household(world.grid)
    client.force_login(world.cast["community_worker"])
    form = {"applicant": home.pk, "applied_on": TODAY.isoformat(), "v_water": "12", **extra}
    page = client.post(reverse("programs:campaign-apply", args=[campaign.pk]), form)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Application.objects.exists()


def test_an_applicant_outside_the_eligible_population_is_refused_on_top(client, world):
    campaign = _campaign(world, eligible_filter="户籍")
    floating = household(world.grid, registration="流动")
    client.force_login(world.cast["community_worker"])
    form = {"applicant": floating.pk, "applied_on": TODAY.isoformat(), "v_water": "12"}
    page = client.post(reverse("programs:campaign-apply", args=[campaign.pk]), form)
    assert "不在本次评选的参评范围内" in str(page.context["form"].non_field_errors())
    assert not Application.objects.exists()


def test_outsiders_get_404(client, world):
    campaign = _campaign(world)
    home = household(world.grid)
    application = services.apply(campaign, household=home, values={"water": "10"}, by=None)
    client.force_login(world.outsiders["community_worker"])
    for url in [
        reverse("programs:campaign-detail", args=[campaign.pk]),
        reverse("programs:campaign-eligible", args=[campaign.pk]),
        reverse("programs:campaign-edit", args=[campaign.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    apply = reverse("programs:campaign-apply", args=[campaign.pk])
    assert client.post(apply, {"applicant": home.pk, "v_water": "1"}).status_code == 404
    review = reverse("programs:application-review", args=[application.pk])
    assert client.post(review, {"passed": "1", "reason": "好"}).status_code == 404
    assert client.get(reverse("programs:campaign-list")).context["rows"] == []
    # A worker at home cannot apply for a household next door either.
    client.force_login(world.cast["community_worker"])
    other = household(world.neighbour_community)
    assert client.get(apply, {"applicant": other.pk}).status_code == 404
    assert Application.objects.get().stage == "申报"


def test_a_read_only_viewer_sees_but_cannot_change(client, world):
    campaign = _campaign(world)
    home = household(world.grid)
    application = services.apply(campaign, household=home, values={"water": "10"}, by=None)
    client.force_login(world.cast["viewer"])
    page = client.get(reverse("programs:campaign-detail", args=[campaign.pk]))
    assert page.status_code == 200 and not page.context["can_edit"]
    assert "确认初审" not in page.content.decode()
    for url, data in [
        (reverse("programs:campaign-create"), _form(world)),
        (reverse("programs:campaign-edit", args=[campaign.pk]), _form(world, name="改")),
        (reverse("programs:campaign-apply", args=[campaign.pk]), {"applicant": home.pk}),
        (reverse("programs:campaign-screen", args=[campaign.pk]), {}),
        (reverse("programs:application-review", args=[application.pk]), {"passed": "rule"}),
        (reverse("programs:honour-create"), {"title": "文明社区"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Campaign.objects.get().name == "节水型家庭"
    assert Application.objects.get().stage == "申报"


def test_wrong_methods_are_refused(client, world):
    campaign = _campaign(world)
    application = services.apply(
        campaign, household=household(world.grid), values={"water": "10"}, by=None
    )
    client.force_login(world.cast["community_worker"])
    assert client.get(reverse("programs:campaign-screen", args=[campaign.pk])).status_code == 405
    for action in ("review", "shortlist", "award"):
        url = reverse(f"programs:application-{action}", args=[application.pk])
        assert client.get(url).status_code == 405
    assert client.post(reverse("programs:campaign-list")).status_code == 405
    assert client.post(reverse("programs:honour-list")).status_code == 405
    detail = reverse("programs:campaign-detail", args=[campaign.pk])
    assert client.post(detail).status_code == 405


def test_editing_keeps_the_subject_once_applied(client, world):
    campaign = _campaign(world)
    services.apply(campaign, household=household(world.grid), values={"water": "10"}, by=None)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:campaign-edit", args=[campaign.pk])
    page = client.get(url)
    assert page.context["form"].initial["registrations"] == []
    changed = client.post(url, _form(world, subject="unit", rule="manual", version=0))
    assert "已有申报，不能再更改评选对象" in str(changed.context["form"]["subject"].errors)
    client.post(url, _form(world, name="节水型家庭（2025）", registrations=[], version=0))
    assert Campaign.objects.get().name == "节水型家庭（2025）"


def test_the_campaign_list_keeps_its_query_count(client, world, django_assert_max_num_queries):
    for i in range(6):
        _campaign(world, name=f"家庭{i}")
        _campaign(world, name=f"单位{i}", subject="unit", fields="", rule="manual")
    _campaign(world, name="街道评选", place=world.subdistrict)
    old = _campaign(world, name="往年", starts_on=TODAY - 400 * DAY, ends_on=TODAY - 380 * DAY)
    for _i in range(3):
        household(world.grid)
    shop(world.grid)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:campaign-list")
    # 14: one of them asks whether the user has a place to start a campaign over (发起评选).
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert len(page.context["rows"]) == 13  # not the sub-district's
    assert {c.funnel.eligible for c in page.context["rows"]} == {3, 1}
    closed = client.get(url, {"state": "closed"})
    assert [c.pk for c in closed.context["rows"]] == [old.pk]
    by_year = client.get(url, {"year": str(old.starts_on.year)})
    assert old.pk in {c.pk for c in by_year.context["rows"]}
    client.force_login(world.cast["subdistrict_admin"])
    page = client.get(url, {"place": world.subdistrict.pk})
    assert len(page.context["rows"]) == 14


def test_the_campaign_page_keeps_its_query_count(client, world, django_assert_max_num_queries):
    campaign = _campaign(world)
    for i in range(30):
        application = services.apply(
            campaign, household=household(world.grid, members=2), values={"water": str(i * 3)},
            by=None,
        )  # fmt: skip
        if i % 3 == 0:
            services.review(application, by=None)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:campaign-detail", args=[campaign.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert len(page.context["rows"]) == 30
    with django_assert_max_num_queries(14):
        waiting = client.get(url, {"stage": "申报"})
    assert len(waiting.context["rows"]) == 20
    with django_assert_max_num_queries(14):
        client.get(reverse("programs:campaign-eligible", args=[campaign.pk]))


# --- Honours ------------------------------------------------------------------------------------


def _honour_form(world, **extra) -> dict:
    form = {
        "title": "全国文明社区",
        "level": "国家级",
        "issuer": "中央文明委",
        "date": "2024-12-01",
        "recipient": "社区",
        "place": world.community.pk,
        "notes": "",
    }
    form.update(extra)
    return form


def _staff(world) -> Staff:
    return Staff.objects.create(
        name="李社工",
        sex="女",
        birth_date=datetime.date(1990, 1, 1),
        post="社区专职工作者",
        education="大学本科",
        start_date=datetime.date(2020, 1, 1),
        place=world.community,
    )


def test_a_worker_records_an_honour_with_its_certificate_photo(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:honour-create")
    photo = SimpleUploadedFile("证书.jpg", sample_photo(), content_type="image/jpeg")
    response = client.post(url, {**_honour_form(world), "scan": photo})
    honour = Honour.objects.get()
    assert response.url == reverse("programs:honour-detail", args=[honour.pk])
    assert honour.scan_name == "证书.jpg" and honour.place == world.community
    page = client.get(response.url).content.decode()
    assert reverse("programs:honour-scan-preview", args=[honour.pk]) in page
    scan = client.get(reverse("programs:honour-scan", args=[honour.pk]))
    assert scan.status_code == 200 and scan["Content-Type"] == "image/jpeg"
    client.force_login(world.outsiders["community_worker"])
    assert client.get(reverse("programs:honour-scan", args=[honour.pk])).status_code == 404
    assert client.get(reverse("programs:honour-detail", args=[honour.pk])).status_code == 404


def test_an_honour_is_corrected_and_its_scan_replaced_by_a_pdf(client, world):
    staff = _staff(world)
    honour = services.record_honour(
        services.HonourData("优秀社工", "区级", "测试区民政局", TODAY, "个人", staff=staff),
        by=None,
    )
    client.force_login(world.cast["community_head"])
    url = reverse("programs:honour-edit", args=[honour.pk])
    assert client.get(url).context["form"].initial["staff"] == staff
    pdf = SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf")
    form = _honour_form(world, title="优秀社区工作者", recipient="个人", staff=staff.pk)
    response = client.post(url, {**form, "scan": pdf, "version": 0})
    assert response.status_code == 302
    honour.refresh_from_db()
    assert honour.title == "优秀社区工作者" and honour.staff == staff
    assert honour.scan_content_type == "application/pdf"
    scan = client.get(reverse("programs:honour-scan", args=[honour.pk]))
    assert scan["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.get(action="honour.update")
    assert "title" in entry.changes and "scan_name" in entry.changes


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"recipient": "单位"}, "unit", "请选择获得荣誉的单位"),
        ({"recipient": "个人"}, "staff", "请选择获得荣誉的社区工作者"),
        ({"date": (TODAY + DAY).isoformat()}, "date", "授予日期不能晚于今天"),
        ({"issuer": ""}, "issuer", "这个字段是必填项"),
    ],
)
def test_a_bad_honour_saves_nothing(client, world, extra, field, message):
    client.force_login(world.cast["community_worker"])
    page = client.post(reverse("programs:honour-create"), _honour_form(world, **extra))
    assert page.status_code == 200
    assert message in str(page.context["form"][field].errors)
    assert not Honour.objects.exists()


def test_a_scan_that_is_not_a_photo_or_pdf_is_refused(client, world):
    client.force_login(world.cast["community_worker"])
    text = SimpleUploadedFile("证书.pdf", b"not a pdf at all", content_type="application/pdf")
    page = client.post(reverse("programs:honour-create"), {**_honour_form(world), "scan": text})
    assert "不是 PDF" in str(page.context["form"]["scan"].errors)
    assert not Honour.objects.exists()


def test_the_honour_list_filters_and_keeps_its_query_count(
    client, world, django_assert_max_num_queries
):
    unit = shop(world.grid)
    staff = _staff(world)
    for i in range(20):
        services.record_honour(
            services.HonourData(f"文明单位{i}", "区级", "区文明办", TODAY - i * DAY, "单位",
                                unit=unit),
            by=None,
        )  # fmt: skip
    services.record_honour(
        services.HonourData("优秀社工", "市级", "市民政局", TODAY, "个人", staff=staff), by=None
    )
    old = services.record_honour(
        services.HonourData(
            "平安社区", "省级", "省综治办", datetime.date(2020, 5, 1), "社区", place=world.community
        ),
        by=None,
    )
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:honour-list")
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert page.context["total"] == 22 and len(page.context["rows"]) == 22
    assert [h.pk for h in client.get(url, {"year": "2020"}).context["rows"]] == [old.pk]
    assert client.get(url, {"level": "市级"}).context["total"] == 1
    assert client.get(url, {"recipient": "单位"}).context["total"] == 20
    client.force_login(world.outsiders["community_worker"])
    assert client.get(url).context["total"] == 0
