import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases import services
from cases.models import Case, Payment, Screening
from cases.tests.factories import open_case
from people import services as people_services
from people.tests.factories import resident


def _act(client, case, action, **data):
    url = reverse("cases:case-act", args=[case.pk, action])
    version = Case.objects.get(pk=case.pk).version
    payload = {f"{action}-version": version}
    payload.update({f"{action}-{k}": v for k, v in data.items()})
    return client.post(url, payload, follow=True)


def test_a_worker_registers_a_request_and_takes_it_to_closed(client, world):
    worker = world.cast["community_worker"]
    client.force_login(worker)
    url = reverse("cases:case-create", args=["request"])
    assert client.get(url).status_code == 200
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "楼道灯不亮",
        "category": "水电维修",
        "channel": "电话",
        "place": world.grid.pk,
        "received_at": now,
        "assignee": worker.pk,
        "reporter_name": "王大妈",
        "reporter_phone": "13800001234",
        "description": "3号楼2单元楼道灯坏了",
    }
    bad = client.post(url, {**form, "due": "2000-01-01"})
    assert "办理期限不能早于受理日期" in bad.content.decode()
    assert not Case.objects.exists()
    response = client.post(url, form)
    case = Case.objects.get()
    assert response.url == reverse("cases:case-detail", args=[case.pk])
    assert case.due == timezone.localdate() + datetime.timedelta(days=7)
    page = client.get(response.url).content.decode()
    assert "13800001234" not in page and "138****1234" in page  # masked on the case page
    assert "开始处理" in page
    for action, data, label, state in [
        ("start", {}, "开始处理", "处理中"),
        ("finish", {"note": "已更换灯泡"}, "办结", "已办结"),
        ("follow_up", {"rating": "满意", "note": "电话回访"}, "回访", "已回访"),
        ("close", {}, "结案", "已结案"),
    ]:
        page = _act(client, case, action, **data).content.decode()
        assert f"已登记“{label}”" in page
        assert Case.objects.get(pk=case.pk).state == state
    case.refresh_from_db()
    assert case.state == "已结案"
    listing = client.get(reverse("cases:case-list"), {"kind": "诉求"})
    rates = {r.label: r.percent for r in listing.context["rates"]}
    assert rates["结案率"] == "100.0%" and rates["满意率"] == "100.0%"


def test_a_refused_action_and_a_stale_page_change_nothing(client, world):
    client.force_login(world.cast["community_worker"])
    case = open_case(world, "诉求")
    page = _act(client, case, "close").content.decode()
    assert "回访完成后才能结案" in page
    page = _act(client, case, "finish", note="").content.decode()
    assert "办结" in page and "这个字段是必填项" in page
    stale = {"start-version": case.version}
    services.act(
        case,
        "assign",
        by=world.cast["community_head"],
        version=case.version,
        assignee=world.cast["community_worker"],
    )
    url = reverse("cases:case-act", args=[case.pk, "start"])
    page = client.post(url, stale, follow=True).content.decode()
    assert "刚被他人更新" in page
    case.refresh_from_db()
    assert case.state == "已派单" and case.events.count() == 2


def test_my_cases_puts_overdue_first(client, world, django_assert_max_num_queries):
    worker = world.cast["community_worker"]
    old = timezone.now() - datetime.timedelta(days=20)
    late = open_case(world, "诉求", title="逾期的", received_at=old, assignee=worker)
    done = open_case(world, "诉求", title="待回访的", assignee=worker, received_at=old)
    done = services.act(done, "finish", by=worker, version=done.version, note="修好了")
    soon = open_case(world, "诉求", title="不急的", assignee=worker)
    open_case(world, "诉求", title="还没派的")
    client.force_login(worker)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("cases:mine"))
    # Finished ones wait below the unfinished, on every database (NULLs sort differently).
    assert [c.pk for c in page.context["mine"]] == [late.pk, soon.pk, done.pk]
    assert [c.title for c in page.context["waiting"]] == ["还没派的"]
    assert "逾期" in page.content.decode()


def test_the_list_keeps_its_query_count_and_pages(client, world, django_assert_max_num_queries):
    for i in range(55):
        open_case(world, "纠纷", title=f"纠纷{i}")
    client.force_login(world.cast["community_worker"])
    url = reverse("cases:case-list")
    with django_assert_max_num_queries(12):
        first = client.get(url, {"kind": "纠纷"})
    assert len(first.context["rows"]) == 50 and first.context["more"]
    second = client.get(url, {"kind": "纠纷", "before": first.context["more"]})
    assert len(second.context["rows"]) == 5
    shown = {c.pk for c in first.context["rows"]} | {c.pk for c in second.context["rows"]}
    assert len(shown) == 55


def test_supervision_files_are_invisible_to_a_plain_worker(client, world):
    file = open_case(world, "矫正")
    request = open_case(world, "诉求")
    client.force_login(world.cast["community_worker"])
    listing = client.get(reverse("cases:case-list"))
    assert [c.pk for c in listing.context["rows"]] == [request.pk]
    assert "社区矫正" not in listing.content.decode()
    assert client.get(reverse("cases:case-detail", args=[file.pk])).status_code == 404
    assert client.get(reverse("cases:case-create", args=["correction"])).status_code == 403
    assert not AuditEntry.objects.filter(action="case.view").exists()
    client.force_login(world.cast["community_head"])
    assert client.get(reverse("cases:case-detail", args=[file.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="case.view", object_id=str(file.pk)).count() == 1


def test_a_head_opens_a_supervision_file_by_id_number(client, world):
    person = resident(world.grid, "孙某", birth=datetime.date(1990, 2, 2))
    client.force_login(world.cast["community_head"])
    url = reverse("cases:case-create", args=["correction"])
    form = {
        "category": "缓刑",
        "place": world.grid.pk,
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "subject": person.id_number,
        "starts_on": timezone.localdate().isoformat(),
        "team": "司法所李某、网格员周某",
    }
    missing = client.post(url, {**form, "subject": "查无此人"})
    assert "没有姓名或身份证号码为" in missing.content.decode()
    assert not Case.objects.exists()
    response = client.post(url, form)
    file = Case.objects.get()
    assert response.status_code == 302 and file.subject == person
    assert file.title == "孙某社区矫正" and file.membership.category.code == "correction"


def test_parties_surveys_and_money_on_a_case(client, world):
    client.force_login(world.cast["community_worker"])
    case = open_case(world, "诉求", title="公共水管漏水")
    neighbour = resident(world.other_community, "邻居")
    head = resident(world.grid, "户主甲")
    people_services.create_household(
        number="H-9", place=world.grid, head=head, since=datetime.date(2020, 1, 1), by=None
    )
    detail = reverse("cases:case-detail", args=[case.pk])
    found = client.get(detail, {"q": "户主甲"})
    assert [r.pk for r in found.context["found"]] == [head.pk]
    add = reverse("cases:party-add", args=[case.pk])
    client.post(add, {"role": "申请人", "target": f"r:{head.pk}"})
    client.post(add, {"role": "当事人", "name": "物业公司张经理"})
    next_grid = resident(world.neighbour_grid, "同社区邻居", birth=datetime.date(1966, 6, 6))
    client.post(add, {"role": "被申请人", "target": f"r:{next_grid.pk}"})  # same community
    assert client.post(add, {"role": "当事人", "target": f"r:{neighbour.pk}"}).status_code == 404
    names = [p.shown_name for p in case.parties.all()]
    assert names == ["户主甲", "物业公司张经理", "同社区邻居"]
    survey_add = reverse("cases:survey-add", args=[case.pk])
    client.post(survey_add, {"question": "是否同意更换", "choices": "同意,不同意"})
    survey = case.surveys.get()
    answer = reverse("cases:survey-answer", args=[survey.pk])
    client.post(answer, {"household": "H-9", "answer": "同意"})
    refused = client.post(answer, {"household": "H-9", "answer": "弃权"}, follow=True)
    assert "意见应为：同意、不同意" in refused.content.decode()
    assert [a.answer for a in survey.answers.all()] == ["同意"]
    pay = reverse("cases:payment-add", args=[case.pk])
    today = timezone.localdate().isoformat()
    client.post(pay, {"kind": "收取", "household": "H-9", "amount": "50", "date": today})
    client.post(pay, {"kind": "垫付", "who": "社区", "amount": "200", "date": today})
    bad = client.post(
        pay, {"kind": "收取", "who": "某", "amount": "-5", "date": today}, follow=True
    )
    assert "金额应为大于0的数字" in bad.content.decode()
    assert Payment.objects.count() == 2
    page = client.get(detail)
    assert page.context["money"]["collected"] == 50 and page.context["money"]["owed"] == 200
    assert [p.who for p in page.context["payments"]] == ["户主甲", "社区"]


def test_the_case_page_keeps_its_query_count(client, world, django_assert_max_num_queries):
    case = open_case(world, "诉求")
    for i in range(5):
        case = services.act(
            case, "note", by=world.cast["community_worker"], version=case.version, note=f"进展{i}"
        )
        case.parties.create(role="当事人", name=f"人{i}")
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(24):
        client.get(reverse("cases:case-detail", args=[case.pk]))


def test_the_half_monthly_screening_with_a_zero_report(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("cases:screening-list")
    today = timezone.localdate()
    period = today.replace(day=1 if today.day <= 15 else 16).isoformat()
    both = client.post(
        url,
        {"place": world.community.pk, "period_start": period, "nothing_found": "on", "found": "2"},
    )
    assert "零报告不能同时填写发现的纠纷数" in both.content.decode()
    neither = client.post(url, {"place": world.community.pk, "period_start": period})
    assert "勾选“零报告”" in neither.content.decode()
    assert not Screening.objects.exists()
    ok = client.post(
        url, {"place": world.community.pk, "period_start": period, "nothing_found": "on"}
    )
    assert ok.status_code == 302
    clash = client.post(url, {"place": world.grid.pk, "period_start": period, "found": "1"})
    assert "社区已报本期零报告" in clash.content.decode()
    grid_zero = {"place": world.grid.pk, "period_start": period, "nothing_found": "on"}
    assert client.post(url, grid_zero).status_code == 302
    twice = client.post(
        url, {"place": world.community.pk, "period_start": period, "nothing_found": "on"}
    )
    assert "该排查期已登记过" in twice.content.decode()
    table = dict(client.get(url).context["table"])
    assert table[world.community][0] == {"found": 0, "zero": True}
    assert table[world.community][1] is None
    earlier = services.half_month_of(today.replace(day=1) - datetime.timedelta(days=1))
    both = {"period_start": earlier.isoformat(), "found": "2"}
    assert client.post(url, {**both, "place": world.grid.pk}).status_code == 302
    refused = client.post(
        url,
        {"place": world.community.pk, "period_start": earlier.isoformat(), "nothing_found": "on"},
    )
    assert "本社区有网格已报告发现纠纷" in refused.content.decode()
    client.force_login(world.cast["grid_worker"])  # sees the row of their own grid
    grid_table = dict(client.get(url).context["table"])
    assert grid_table[world.grid][0] == {"found": 0, "zero": True}


def test_the_case_page_opens_the_next_step_first(client, world):
    worker = world.cast["community_worker"]
    case = open_case(world, "诉求", assignee=worker)
    case = services.act(case, "start", by=worker, version=case.version)
    client.force_login(worker)
    page = client.get(reverse("cases:case-detail", args=[case.pk]))
    codes = [f.action.code for f in page.context["action_forms"]]
    assert codes[0] == "finish" and set(codes) == {"assign", "finish", "note"}


def test_an_action_carries_photos_and_a_bad_file_changes_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import EventFile
    from ledger.demo import sample_photo

    worker = world.cast["community_worker"]
    case = open_case(world, "纠纷")
    client.force_login(worker)
    url = reverse("cases:case-act", args=[case.pk, "mediate"])
    bad = {
        "mediate-version": case.version,
        "mediate-note": "第一次调解",
        "mediate-files": [
            SimpleUploadedFile("现场.jpg", sample_photo()),
            SimpleUploadedFile("协议.pdf", b"MZ\x90 not a pdf"),
        ],
    }
    page = client.post(url, bad, follow=True).content.decode()
    assert "PDF" in page
    case.refresh_from_db()
    assert case.state == "已登记" and not EventFile.objects.exists()
    good = {**bad, "mediate-files": [SimpleUploadedFile("现场.jpg", sample_photo())]}
    client.post(url, good)
    photo = EventFile.objects.get()
    assert photo.event.case == case and photo.is_photo
    assert client.get(reverse("cases:event-file-preview", args=[photo.pk])).status_code == 200
    client.force_login(world.outsiders["community_worker"])
    assert client.get(reverse("cases:event-file", args=[photo.pk])).status_code == 404


def test_a_case_number_carries_the_local_year_of_receipt(world):
    from zoneinfo import ZoneInfo

    new_year = datetime.datetime(2026, 1, 1, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    case = open_case(world, "诉求", received_at=new_year)
    assert Case.objects.get(pk=case.pk).number.startswith("诉2026-")


def test_a_supervision_file_takes_no_surveys_or_money_and_its_papers_are_audited(client, world):
    from ledger.demo import sample_photo
    from shequ import files

    file = open_case(world, "矫正")
    head = world.cast["community_head"]
    for add in (
        lambda: services.add_survey(file, question="是否同意", choices="同意,不同意", by=head),
        lambda: services.add_payment(
            file, kind="收取", who="某", amount=1, date=timezone.localdate(), by=head
        ),
    ):
        try:
            add()
        except services.DomainError as exc:
            assert "不登记征询和收支" in exc.message
        else:
            raise AssertionError("refused")
    assert not file.surveys.exists() and not file.payments.exists()
    file = services.act(
        file,
        "visit",
        by=head,
        version=file.version,
        note="走访",
        uploads=[files.Upload("现场.jpg", sample_photo())],
    )
    photo = file.events.last().files.get()
    client.force_login(head)
    response = client.get(reverse("cases:event-file", args=[photo.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="case.view", data__file="现场.jpg").count() == 1


def test_a_supervision_file_opens_on_an_entry_not_on_ending_it(client, world):
    file = open_case(world, "矫正")
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("cases:case-detail", args=[file.pk]))
    codes = [f.action.code for f in page.context["action_forms"]]
    assert codes[0] == "visit" and "end" in codes


def test_a_year_lists_what_was_open_in_it_and_rates_what_was_received(client, world):
    now = timezone.now()
    last_year = now - datetime.timedelta(days=400)
    carried = open_case(world, "帮教", received_at=last_year)  # still open
    done_last_year = open_case(world, "纠纷", received_at=last_year)
    Case.objects.filter(pk=done_last_year.pk).update(closed_at=last_year, state="已结案")
    this_year = open_case(world, "纠纷")
    client.force_login(world.cast["community_head"])
    page = client.get(reverse("cases:case-list"))
    assert {c.pk for c in page.context["rows"]} == {carried.pk, this_year.pk}
    assert page.context["total"] == 1  # received this year


def test_dispatch_offers_only_those_who_may_handle_the_case(client, world):
    from accounts.models import User

    grid_user = User.objects.create(
        username="g2", name="二网格员", role="grid_worker", place=world.neighbour_grid
    )
    at_community = open_case(world, "诉求", place=world.community)
    at_grid = open_case(world, "诉求", place=world.neighbour_grid)
    client.force_login(world.cast["community_worker"])

    def offered(case):
        page = client.get(reverse("cases:case-detail", args=[case.pk]))
        form = next(f for f in page.context["action_forms"] if f.action.code == "assign")
        return set(form.fields["assignee"].queryset)

    assert grid_user not in offered(at_community)
    assert world.cast["community_worker"] in offered(at_community)
    assert grid_user in offered(at_grid)


def test_a_refused_action_comes_back_with_what_was_typed(client, world):
    worker = world.cast["community_worker"]
    case = open_case(world, "诉求", assignee=worker)
    case = services.act(case, "finish", by=worker, version=case.version, note="修好了")
    client.force_login(worker)
    url = reverse("cases:case-act", args=[case.pk, "follow_up"])
    typed = {"follow_up-version": case.version, "follow_up-rating": "不满意", "follow_up-note": ""}
    page = client.post(url, typed)
    assert page.status_code == 200 and "居民不满意时请记下原因" in page.content.decode()
    first = page.context["action_forms"][0]
    assert first.action.code == "follow_up" and first["rating"].value() == "不满意"
    stale = {**typed, "follow_up-note": "楼下仍漏水，很长的回访记录"}
    services.act(case, "note", by=worker, version=case.version, note="另一人记录进展")
    page = client.post(url, stale)
    body = page.content.decode()
    assert "刚被他人更新" in body and "楼下仍漏水，很长的回访记录" in body
    assert Case.objects.get(pk=case.pk).state == "已办结"


def test_a_guardian_phone_is_checked_and_masked(client, world):
    with pytest.raises(services.DomainError, match="应为1开头的11位数字"):
        open_case(world, "矫正", guardian="母亲", guardian_phone="12345")
    file = open_case(world, "矫正", guardian="母亲", guardian_phone="13900002222")
    client.force_login(world.cast["subdistrict_admin"])
    page = client.get(reverse("cases:case-detail", args=[file.pk])).content.decode()
    assert "13900002222" not in page and "139****2222" in page


def test_a_worker_corrects_a_case_and_bad_corrections_change_nothing(client, world):
    case = open_case(world, "诉求", reporter_name="王大妈", reporter_phone="13800001234")
    client.force_login(world.cast["community_worker"])
    url = reverse("cases:case-edit", args=[case.pk])
    form = client.get(url).context["form"]
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    changed = {**data, "reporter_phone": "13900005678", "place": world.neighbour_grid.pk}
    for bad, message in [
        ({"reporter_phone": "1390000"}, "应为1开头的11位数字"),
        (
            {"place": world.neighbour_community.pk},
            "选择一个有效的选项",
        ),  # not in the worker's place
        ({"due": "2000-01-01"}, "办理期限不能早于受理日期"),
        ({"version": case.version - 1}, "刚被他人更新"),
    ]:
        page = client.post(url, {**changed, **bad})
        assert message in page.content.decode(), bad
    assert Case.objects.get(pk=case.pk).reporter_phone == "13800001234"
    assert client.post(url, changed).status_code == 302
    case.refresh_from_db()
    assert (case.reporter_phone, case.place) == ("13900005678", world.neighbour_grid)
    assert case.place_path == world.neighbour_grid.path
    entry = AuditEntry.objects.get(action="case.update")
    assert set(entry.changes) == {"reporter_phone", "place"}
    assert "13900005678" not in str(entry.changes)  # masked in the log
