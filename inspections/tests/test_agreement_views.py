import datetime
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from areas.models import Dwelling
from inspections import services
from inspections.models import Agreement
from inspections.tests.factories import shop
from ledger.demo import sample_photo
from people.models import Rental

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
FIRE = "消防安全责任书"
RENTAL = "出租房屋治安责任书"
PHOTO = sample_photo()


def _sign(unit=None, *, kind=FIRE, signed_on=None, ends_on=None, rental=None):
    data = services.AgreementData(
        kind, signed_on or TODAY - 30 * DAY, ends_on=ends_on, unit=unit, rental=rental
    )
    return services.sign_agreement(data, by=None)


def _rental(place, address, *, start=None, end=None, landlord="房东甲"):
    dwelling = Dwelling.objects.create(address=address, place=place)
    return Rental.objects.create(
        dwelling=dwelling,
        landlord_name=landlord,
        start=start or TODAY - 100 * DAY,
        end=end,
        place=place,
    )


def _form(**extra):
    return {
        "kind": FIRE,
        "signed_on": (TODAY - DAY).isoformat(),
        "ends_on": (TODAY + 364 * DAY).isoformat(),
        "signer": "王店主",
        **extra,
    }


def test_a_worker_finds_a_unit_and_signs_with_a_scanned_photo(client, world):
    unit = shop(world.grid, "好又多便利店")
    shop(world.neighbour_community, "好又多二店")
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-create")
    found = client.get(url, {"q": "好又多", "kind": FIRE})
    assert [u.pk for u in found.context["found_units"]] == [unit.pk]
    assert f"?unit={unit.pk}&amp;kind={quote(FIRE)}" in found.content.decode()
    chosen = client.get(url, {"unit": unit.pk, "kind": FIRE})
    assert chosen.context["form"].party_unit == unit
    assert chosen.context["form"]["kind"].value() == FIRE

    scan = SimpleUploadedFile("责任书.jpg", sample_photo())
    response = client.post(url, _form(unit=unit.pk, scan=scan))
    agreement = Agreement.objects.get()
    assert response.url == reverse("inspections:agreement-detail", args=[agreement.pk])
    assert (agreement.party_name, agreement.place, agreement.signer) == (
        unit.name,
        world.grid,
        "王店主",
    )
    assert agreement.starts_on == TODAY - DAY and agreement.scan_content_type == "image/jpeg"
    page = client.get(response.url).content.decode()
    assert "好又多便利店" in page and "有效" in page
    assert reverse("inspections:agreement-scan-preview", args=[agreement.pk]) in page
    served = client.get(reverse("inspections:agreement-scan", args=[agreement.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    preview = client.get(reverse("inspections:agreement-scan-preview", args=[agreement.pk]))
    assert preview.status_code == 200


def test_a_rental_agreement_names_the_landlord_and_a_pdf_is_downloaded(client, world):
    rental = _rental(world.grid, "甲一网格5号", landlord="李房东")
    client.force_login(world.cast["grid_worker"])
    url = reverse("inspections:agreement-create")
    assert client.get(url, {"rental": rental.pk}).context["form"]["kind"].value() == RENTAL
    found = client.get(url, {"q": "李房东"})
    assert [r.pk for r in found.context["found_rentals"]] == [rental.pk]
    scan = SimpleUploadedFile("责任书.pdf", b"%PDF-1.4\n%scan\n")
    client.post(url, _form(kind=RENTAL, rental=rental.pk, scan=scan))
    agreement = Agreement.objects.get()
    assert agreement.party_name == "甲一网格5号（房东：李房东）" and agreement.rental == rental
    served = client.get(reverse("inspections:agreement-scan", args=[agreement.pk]))
    assert served["Content-Type"] == "application/pdf"
    assert "attachment" in served["Content-Disposition"]


def test_bad_input_is_shown_in_chinese_and_saves_nothing(client, world):
    unit = shop(world.grid)
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-create")
    cases = [
        (_form(unit=unit.pk, ends_on=(TODAY - 10 * DAY).isoformat()), "截止日期不能早于起始日期"),
        (_form(unit=unit.pk, signed_on=(TODAY + DAY).isoformat()), "签订日期不能晚于今天"),
        (_form(), "请选择签订的辖区单位或出租房屋"),
        (_form(unit=unit.pk, signed_on=""), "这个字段是必填项"),
        (_form(unit=unit.pk, kind="保证书"), "选择一个有效的选项"),
        (_form(unit=shop(world.neighbour_community, "隔壁店").pk), "本辖区没有该单位"),
        (
            _form(unit=unit.pk, ends_on="2000-01-01", scan=SimpleUploadedFile("a.jpg", PHOTO)),
            "没有保存，请重新选择扫描件",
        ),
        (_form(unit=unit.pk, scan=SimpleUploadedFile("合同.docx", b"PK\x03\x04 docx")),
         "不是可识别的照片"),
        (_form(unit=unit.pk, scan=SimpleUploadedFile("假.pdf", b"MZ\x90 not a pdf")),
         "不是 PDF"),
    ]  # fmt: skip
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, message
        assert message in response.content.decode(), message
    assert not Agreement.objects.exists()


def test_a_unit_next_door_is_not_offered(client, world):
    other = shop(world.neighbour_community, "隔壁店")
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-create")
    assert not client.get(url, {"q": "隔壁"}).context["found_units"]
    assert client.get(url, {"unit": other.pk}).context["form"].party_unit is None


def test_an_agreement_is_corrected_and_its_scan_replaced(client, world):
    unit = shop(world.grid)
    agreement = _sign(unit)
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-edit", args=[agreement.pk])
    page = client.get(url)
    assert page.context["form"].party_unit == unit
    bad = client.post(url, _form(unit=unit.pk, ends_on=(TODAY - 90 * DAY).isoformat(), version=0))
    assert "截止日期不能早于起始日期" in bad.content.decode()
    scan = SimpleUploadedFile("新扫描件.png", sample_photo(seed=2))
    client.post(url, _form(unit=unit.pk, signer="店长", notes="续签", scan=scan, version=0))
    agreement.refresh_from_db()
    assert (agreement.signer, agreement.notes, agreement.scan_name) == (
        "店长",
        "续签",
        "新扫描件.jpg",
    )
    assert agreement.ends_on == TODAY + 364 * DAY


def test_outsiders_and_read_only_roles(client, world):
    agreement = _sign(shop(world.grid))
    detail = reverse("inspections:agreement-detail", args=[agreement.pk])
    edit = reverse("inspections:agreement-edit", args=[agreement.pk])
    scan = reverse("inspections:agreement-scan", args=[agreement.pk])
    client.force_login(world.outsiders["community_worker"])
    assert client.get(detail).status_code == 404
    assert client.get(scan).status_code == 404
    assert client.post(edit, _form()).status_code == 404
    assert agreement.pk not in [
        a.pk for a in client.get(reverse("inspections:agreement-list")).context["rows"]
    ]

    client.force_login(world.cast["viewer"])
    page = client.get(detail).content.decode()
    assert edit not in page and "责任书.jpg" not in page
    assert client.get(scan).status_code == 404  # no scan uploaded
    assert client.get(reverse("inspections:agreement-create")).status_code == 403
    assert client.post(edit, _form(signer="改")).status_code == 403
    agreement.refresh_from_db()
    assert agreement.signer == ""


def test_pages_answer_only_their_methods(client, world):
    agreement = _sign(shop(world.grid))
    client.force_login(world.cast["community_worker"])
    for name, args in [
        ("inspections:agreement-list", []),
        ("inspections:agreement-coverage", []),
        ("inspections:agreement-detail", [agreement.pk]),
        ("inspections:agreement-scan", [agreement.pk]),
    ]:
        assert client.post(reverse(name, args=args)).status_code == 405, name
    assert Agreement.objects.count() == 1


def test_the_list_filters_and_keeps_its_query_count(client, world, django_assert_max_num_queries):
    shops = [shop(world.grid, f"店{n}") for n in range(55)]
    for n, unit in enumerate(shops):
        _sign(unit, signed_on=TODAY - (n + 1) * DAY)
    expired = _sign(shop(world.grid, "过期店"), signed_on=TODAY - 800 * DAY, ends_on=TODAY - DAY)
    front = _sign(shop(world.neighbour_grid, "门前店"), kind="门前三包责任书")
    _sign(shop(world.neighbour_community, "邻社区店"))
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-list")
    with django_assert_max_num_queries(10):
        first = client.get(url)
    assert first.context["total"] == 57 and len(first.context["rows"]) == 50
    second = client.get(url, {"before": first.context["more"]})
    shown = {a.pk for a in first.context["rows"]} | {a.pk for a in second.context["rows"]}
    assert len(shown) == 57

    def pks(**query):
        return [a.pk for a in client.get(url, query).context["rows"]]

    assert pks(state="expired") == [expired.pk]
    assert expired.pk not in pks(state="in_force") and len(pks(state="in_force")) == 50
    assert pks(kind="门前三包责任书") == [front.pk]
    assert pks(place=world.neighbour_grid.pk) == [front.pk]
    assert pks(q="过期") == [expired.pk]
    # A place outside is refused and left out; what is shown stays the worker's own.
    outside = client.get(url, {"place": world.neighbour_community.pk})
    assert outside.context["total"] == 57 and "选择一个有效的选项" not in outside.content.decode()
    page = client.get(url, {"state": "expired"}).content.decode()
    assert "已过期" in page and "过期店" in page


def test_coverage_lists_who_has_and_has_not_signed(client, world, django_assert_max_num_queries):
    signed = shop(world.grid, "已签店")
    lapsed = shop(world.grid, "过期店")
    other_kind = shop(world.neighbour_grid, "只签门前店")
    closed = shop(world.grid, "已关店")
    closed.closed_on = TODAY - DAY
    closed.save()
    shop(world.neighbour_community, "邻社区店")
    others = {shop(world.grid, f"未签店{n}").pk for n in range(20)}
    agreement = _sign(signed, ends_on=TODAY + 30 * DAY)
    _sign(lapsed, signed_on=TODAY - 400 * DAY, ends_on=TODAY - DAY)
    _sign(other_kind, kind="门前三包责任书")
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:agreement-coverage")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    result = page.context["result"]
    assert (result["total"], result["signed"], result["unsigned"]) == (23, 1, 22)
    assert result["rate"] == "4.3%"
    assert [u.pk for u in result["signed_rows"]] == [signed.pk]
    assert {u.pk for u in result["unsigned_rows"]} == {lapsed.pk, other_kind.pk} | others
    html = page.content.decode()
    assert reverse("inspections:agreement-detail", args=[agreement.pk]) in html
    create = reverse("inspections:agreement-create")
    assert f"{create}?unit={lapsed.pk}&amp;kind={quote(FIRE)}" in html
    assert "已关店" not in html and "邻社区店" not in html

    grid = client.get(url, {"kind": FIRE, "place": world.neighbour_grid.pk}).context["result"]
    assert (grid["total"], grid["signed"]) == (1, 0) and grid["rate"] == "0.0%"
    front = client.get(url, {"kind": "门前三包责任书"}).context["result"]
    assert [u.pk for u in front["signed_rows"]] == [other_kind.pk]


def test_coverage_of_rental_agreements_counts_current_rentals(client, world):
    let = _rental(world.grid, "甲一网格1号")
    signed = _rental(world.grid, "甲一网格2号")
    _rental(world.grid, "甲一网格3号", start=TODAY - 400 * DAY, end=TODAY - DAY)  # ended
    _sign(rental=signed, kind=RENTAL)
    client.force_login(world.cast["viewer"])
    page = client.get(reverse("inspections:agreement-coverage"), {"kind": RENTAL})
    result = page.context["result"]
    assert result["rental"] and (result["total"], result["signed"]) == (2, 1)
    assert [r.pk for r in result["unsigned_rows"]] == [let.pk]
    html = page.content.decode()
    assert "甲一网格3号" not in html
    assert reverse("inspections:agreement-create") not in html  # a viewer registers nothing


def test_coverage_refuses_a_place_outside(client, world):
    client.force_login(world.cast["community_worker"])
    page = client.get(
        reverse("inspections:agreement-coverage"), {"place": world.neighbour_community.pk}
    )
    assert page.context["result"] is None
    assert "选择一个有效的选项" in page.content.decode()
