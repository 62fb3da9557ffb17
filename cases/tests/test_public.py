"""The residents' own page for requests (居民自助报事): filing, looking up and rating with a
tracking code, without an account. Bad input and floods change nothing; a resident sees their
own request and nothing else."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from cases.flows import SATISFIED, UNSATISFIED
from cases.models import Case, Event
from cases.services import ConflictError, DomainError, PublicRequest

PHONE = "13912345678"


def _filed(world, **changes) -> Case:
    data = {
        "place": world.community,
        "name": "王女士",
        "phone": PHONE,
        "address": "3号楼2单元501",
        "description": "厨房水管漏水",
        "category": "水电维修",
        **changes,
    }
    return services.file_request(PublicRequest(**data))


def _move(world, case: Case, code: str, note: str = "已处理", **values) -> Case:
    head = world.cast["community_head"]
    if code == "assign":
        values["assignee"] = world.cast["community_worker"]
    return services.act(case, code, by=head, version=case.version, note=note, **values)


def _finished(world, case: Case, outcome: str = "已更换阀门") -> Case:
    case = _move(world, case, "assign")
    case = _move(world, case, "start", note="上门查看，需更换阀门")
    return _move(world, case, "finish", note=outcome)


def _counts() -> tuple[int, int, int]:
    return Case.objects.count(), Event.objects.count(), AuditEntry.objects.count()


# -- The services ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "王" * 21}, "姓名不能超过20个字"),
        ({"address": "甲" * 101}, "地址不能超过100个字"),
        ({"description": "漏" * 1001}, "内容不能超过1000个字"),
        ({"category": "外星人"}, "请选择问题类别"),
    ],
)
def test_the_service_refuses_what_the_columns_cannot_hold(world, changes, message):
    before = _counts()
    with pytest.raises(DomainError, match=message):
        _filed(world, **changes)
    assert _counts() == before


def test_a_request_whose_code_keeps_colliding_is_not_kept(world, monkeypatch):
    """Without a code the resident could never follow the request: better to keep none."""
    taken = _filed(world)
    monkeypatch.setattr(services.secrets, "choice", lambda alphabet: taken.tracking_code[0])
    Case.objects.filter(pk=taken.pk).update(tracking_code=taken.tracking_code[0] * 8)
    before = _counts()
    with pytest.raises(DomainError, match="系统繁忙"):
        _filed(world, phone="13900000001")
    assert _counts() == before


def test_a_code_is_found_typed_in_lower_case_with_spaces(world):
    case = _filed(world)
    typed = f" {case.tracking_code[:4].lower()} {case.tracking_code[4:]}-"
    assert services.find_by_code(typed, "139 1234 5678") == case


def test_a_rating_given_to_an_outcome_that_has_since_changed_is_refused(world):
    case = _finished(world, _filed(world))
    seen = case.version
    case = _move(world, case, "note", note="又去看了一次")
    with pytest.raises(ConflictError):
        services.rate_by_resident(case, rating=SATISFIED, version=seen)
    case.refresh_from_db()
    assert case.state == "已办结" and not case.rating
    with pytest.raises(DomainError, match="意见不能超过500个字"):
        services.rate_by_resident(case, rating=SATISFIED, comment="好" * 501)
    assert services.rate_by_resident(case, rating=SATISFIED).state == "已回访"


# -- Filing ---------------------------------------------------------------------------------


def _form(world, **changes) -> dict:
    return {
        "place": world.community.pk,
        "category": "水电维修",
        "name": "王女士",
        "phone": PHONE,
        "address": "3号楼2单元501",
        "description": "厨房水管漏水，楼下也渗水了",
        **changes,
    }


def test_a_resident_files_a_request_and_is_given_its_code(client, world):
    page = client.get(reverse("request:file"), {"c": world.community.code}).content.decode()
    assert f'<option value="{world.community.pk}" selected>甲社区（东街道）</option>' in page
    assert "甲一网格" not in page  # communities only: a grid is not where residents file
    response = client.post(reverse("request:file"), _form(world, phone="139 1234 5678"))
    case = Case.objects.get()
    page = response.content.decode()
    assert response.status_code == 200 and "提交成功" in page and "请保存好查询码" in page
    assert f'id="tracking-code">{case.tracking_code}<' in page
    assert f"{reverse('request:track')}?code={case.tracking_code}" in page
    assert "139****5678" in page and PHONE not in page
    assert (case.kind, case.state, case.channel) == ("诉求", "已受理", "居民自助")
    assert (case.reporter_phone, case.place, case.category) == (PHONE, world.community, "水电维修")
    assert len(case.tracking_code) == services.CODE_LENGTH
    audited = AuditEntry.objects.filter(object_type="cases.case")
    assert sorted(audited.values_list("action", flat=True)) == ["case.open", "case.public_file"]
    assert response["Cache-Control"].startswith("max-age=0")  # never kept by a cache


def _retired(world):
    world.neighbour_community.retired_on = timezone.localdate()
    world.neighbour_community.save(update_fields=["retired_on"])
    return world.neighbour_community.pk


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "请填写姓名"),
        ({"phone": "12345"}, "请填写11位手机号码"),
        ({"phone": ""}, "请填写11位手机号码"),
        ({"description": ""}, "请说明需要帮助的事情"),
        ({"description": "漏" * 1001}, "不能超过1000个字（现有1001个字）"),
        ({"name": "王" * 21}, "不能超过20个字"),
        ({"address": "甲" * 101}, "不能超过100个字"),
        ({"category": "外星人"}, "请选择问题类别"),
        ({"place": "retired"}, "请选择所在社区"),
        ({"place": 999999}, "请选择所在社区"),
        ({"place": "grid"}, "请选择所在社区"),
        ({"place": ""}, "请选择所在社区"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_saved(client, world, changes, message):
    if changes.get("place") == "retired":
        changes["place"] = _retired(world)
    elif changes.get("place") == "grid":
        changes["place"] = world.grid.pk
    before = _counts()
    response = client.post(reverse("request:file"), _form(world, **changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert _counts() == before


def test_a_retired_community_is_not_offered(client, world):
    _retired(world)
    page = client.get(reverse("request:file")).content.decode()
    assert "甲社区" in page and "乙社区" not in page


def test_the_fourth_request_from_one_phone_in_a_day_is_refused(client, world):
    for n in range(services.PUBLIC_PER_PHONE):
        ip = f"10.0.0.{n + 1}"  # a different address each time: only the phone counts here
        assert client.post(reverse("request:file"), _form(world), REMOTE_ADDR=ip).status_code == 200
    assert Case.objects.count() == services.PUBLIC_PER_PHONE
    before = _counts()
    flood = client.post(reverse("request:file"), _form(world), REMOTE_ADDR="10.0.0.99")
    assert flood.status_code == 429
    assert "该手机号24小时内已提交3件诉求" in flood.content.decode()
    assert _counts() == before
    later = timezone.now() + services.PUBLIC_WINDOW + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        again = client.post(reverse("request:file"), _form(world), REMOTE_ADDR="10.0.0.99")
        assert "提交成功" in again.content.decode()


def test_one_address_may_file_only_so_many_requests(client, world, monkeypatch):
    monkeypatch.setattr(services, "PUBLIC_PER_ADDRESS", 2)
    for n in range(2):
        client.post(reverse("request:file"), _form(world, phone=f"1390000000{n}"))
    before = _counts()
    flood = client.post(reverse("request:file"), _form(world, phone="13900000009"))
    assert flood.status_code == 429 and "提交过于频繁" in flood.content.decode()
    assert _counts() == before
    elsewhere = client.post(
        reverse("request:file"), _form(world, phone="13900000009"), REMOTE_ADDR="10.0.0.7"
    )
    assert "提交成功" in elsewhere.content.decode()


def test_html_in_a_request_is_shown_as_text(client, world):
    typed = '<script>alert("x")</script><b>漏水</b>'
    filed = client.post(reverse("request:file"), _form(world, description=typed, name="<i>王</i>"))
    assert "提交成功" in filed.content.decode()
    page = _track(client, Case.objects.get()).content.decode()
    assert "<script>alert" not in page and "<b>漏水</b>" not in page and "<i>王</i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;漏水&lt;/b&gt;" in page
    assert "&lt;i&gt;王&lt;/i&gt;" in page


# -- Looking a request up -------------------------------------------------------------------


def _track(client, case, *, code=None, phone=PHONE, **extra):
    data = {"code": case.tracking_code if code is None else code, "phone": phone}
    return client.post(reverse("request:track"), data, **extra)


def test_the_code_and_phone_show_the_request_its_steps_and_the_outcome_only(client, world):
    case = _finished(world, _filed(world), outcome="已更换进水阀门，请放心使用")
    mine_too = _filed(world, description="楼道灯不亮")
    form = client.get(reverse("request:track"), {"code": case.tracking_code}).content.decode()
    assert f'value="{case.tracking_code}"' in form and "厨房水管漏水" not in form
    page = _track(client, case, code=case.tracking_code.lower()).content.decode()
    assert "已办结" in page and "厨房水管漏水" in page and "3号楼2单元501" in page
    assert all(label in page for label in ("受理", "派单", "开始处理", "办结"))
    assert "已更换进水阀门，请放心使用" in page  # the outcome is written for the resident
    assert "上门查看，需更换阀门" not in page  # a worker's note along the way is not
    assert "in_community_head" not in page and "in_community_worker" not in page
    assert "楼道灯不亮" not in page and mine_too.tracking_code not in page
    # The phone appears once in full, in the rating form's hidden field, and otherwise masked.
    assert page.count(PHONE) == 1 and f'name="phone" value="{PHONE}"' in page
    assert "139****5678" in page


def test_a_wrong_code_or_phone_gets_one_neutral_answer_and_is_audited(client, world):
    case = _filed(world)
    neutral = "查询码或手机号码不正确，请核对后再试"
    before = AuditEntry.objects.filter(action="case.public_wrong_code").count()
    wrong_phone = _track(client, case, phone="13800000000").content.decode()
    wrong_code = _track(client, case, code="ABCDEFGH").content.decode()
    assert neutral in wrong_phone and neutral in wrong_code
    assert "厨房水管漏水" not in wrong_phone + wrong_code
    assert "已受理" not in wrong_phone + wrong_code
    misses = AuditEntry.objects.filter(action="case.public_wrong_code")
    assert misses.count() == before + 2
    assert misses.first().ip == "127.0.0.1"


def test_empty_lookups_ask_for_both_and_look_nothing_up(client, world):
    response = client.post(reverse("request:track"), {"code": "", "phone": ""})
    page = response.content.decode()
    assert "请填写查询码" in page and "请填写提交时留下的手机号码" in page
    assert not AuditEntry.objects.filter(action="case.public_wrong_code").exists()


def test_guessing_codes_is_throttled_per_address(client, world, monkeypatch):
    monkeypatch.setattr(services, "LOOKUP_WRONG", 5)
    case = _filed(world)
    for n in range(5):
        _track(client, case, code=f"ZZZZZZZ{n + 2}")
    throttled = _track(client, case)  # even the right pair, from this address, for now
    assert throttled.status_code == 429
    assert "查询码输错次数过多" in throttled.content.decode()
    assert "厨房水管漏水" not in throttled.content.decode()
    elsewhere = _track(client, case, REMOTE_ADDR="10.0.0.8")
    assert "厨房水管漏水" in elsewhere.content.decode()
    later = timezone.now() + services.LOOKUP_WINDOW + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert "厨房水管漏水" in _track(client, case).content.decode()


def test_the_tracking_page_costs_no_query_per_step(client, world, django_assert_max_num_queries):
    case = _finished(world, _filed(world))
    for n in range(30):
        case = _move(world, case, "note", note=f"进展{n}")
    # The throttle's count, the request with its community, its steps.
    with django_assert_max_num_queries(3):
        page = _track(client, case).content.decode()
    assert page.count("记录进展") == 30 and "进展7" not in page


# -- Rating ---------------------------------------------------------------------------------


def _rate(client, case, *, rating=SATISFIED, comment="", phone=PHONE, version=None, **extra):
    data = {
        "code": case.tracking_code,
        "phone": phone,
        "version": case.version if version is None else version,
        "rating": rating,
        "comment": comment,
    }
    return client.post(reverse("request:rate"), data, **extra)


def _state(case):
    case.refresh_from_db()
    return (case.state, case.version, case.rating, case.done_at, case.events.count())


def test_a_finished_request_is_rated_once_by_its_resident(client, world):
    case = _finished(world, _filed(world))
    page = _track(client, case).content.decode()
    assert "请您评价" in page and all(r in page for r in ("满意", "基本满意", "不满意"))
    rated = _rate(client, case, comment="师傅很耐心").content.decode()
    assert "感谢您的评价" in rated and "请您评价" not in rated
    case.refresh_from_db()
    assert (case.state, case.rating) == ("已回访", SATISFIED)
    last = case.events.last()
    assert (last.action, last.by, last.by_name, last.note) == (
        "follow_up",
        None,
        "居民本人评价",
        "师傅很耐心",
    )
    before = _state(case)
    again = _rate(client, case, rating=UNSATISFIED).content.decode()
    assert "办结后才能回访" in again
    assert _state(case) == before


def test_a_request_not_yet_finished_cannot_be_rated(client, world):
    case = _move(world, _filed(world), "assign")
    assert "请您评价" not in _track(client, case).content.decode()
    before = _state(case)
    response = _rate(client, case)
    assert response.status_code == 200 and "办结后才能回访" in response.content.decode()
    assert _state(case) == before


def test_an_unsatisfied_resident_sends_the_request_back_to_work(client, world):
    case = _finished(world, _filed(world))
    page = _rate(client, case, rating=UNSATISFIED).content.decode()
    assert "感谢您的评价" in page and "社区将继续为您办理" in page
    case.refresh_from_db()
    assert (case.state, case.rating, case.done_at) == ("处理中", UNSATISFIED, None)
    assert "请您评价" not in page


def test_a_rating_checks_the_code_and_phone_again(client, world):
    case = _finished(world, _filed(world))
    before = _state(case)
    tampered = _rate(client, case, phone="13800000000").content.decode()
    assert "查询码或手机号码不正确" in tampered
    assert _state(case) == before
    assert AuditEntry.objects.filter(action="case.public_wrong_code").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rating": ""}, "请选择满意、基本满意或不满意"),
        ({"rating": "还行"}, "请选择满意、基本满意或不满意"),
        ({"comment": "好" * 501}, "不能超过500个字"),
        ({"version": "x"}, "页面已过期"),
    ],
)
def test_bad_ratings_are_refused_and_change_nothing(client, world, changes, message):
    case = _finished(world, _filed(world))
    before = _state(case)
    page = _rate(client, case, **changes).content.decode()
    assert message in page and "请您评价" in page
    assert _state(case) == before


def test_a_rating_of_a_page_since_changed_is_refused_and_offered_again(client, world):
    case = _finished(world, _filed(world))
    seen = case.version
    case = _move(world, case, "note", note="又去看了一次")
    page = _rate(client, case, version=seen).content.decode()
    assert "办理情况刚刚有了更新，请查看后再评价" in page
    assert f'name="version" value="{case.version}"' in page
    assert _state(case)[:3] == ("已办结", case.version, "")


def test_the_login_page_leads_residents_to_their_own_pages(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("request:file") in page and reverse("request:track") in page
