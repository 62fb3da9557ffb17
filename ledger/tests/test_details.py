"""Photos and documents, meeting minutes, home visits and coverage, residents' own sign-in and
links: each through its screen or service, with the bad input that must change nothing."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from ledger import services
from ledger.demo import sample_photo
from ledger.models import Attachment, Minutes, Participant, SignIn, Topic, Visit, WorkRecord
from people import services as people
from people.models import GroupCategory
from people.tests.factories import resident
from shequ import files
from shequ.errors import DomainError


def _record(world, kind="活动", *, date=None, place=None):
    return WorkRecord.objects.create(
        kind=kind, title="测试记录", date=date or timezone.localdate(), place=place or world.grid
    )


def _upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _jpeg_with_gps() -> bytes:
    image = Image.open(io.BytesIO(sample_photo(1)))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# -- Photos and documents ------------------------------------------------------------------


def test_a_photo_is_re_encoded_without_its_metadata_and_kept_with_a_preview(client, world):
    record = _record(world)
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("ledger:attachment-add", args=[record.pk]),
        {"kind": "照片", "files": [_upload("../../etc/现场.png", _jpeg_with_gps())]},
    )
    assert response.status_code == 302
    photo = Attachment.objects.get()
    assert photo.name == "现场.jpg" and photo.stored_as.endswith(".jpg")
    assert "现场" not in photo.stored_as
    stored = Image.open(files.path(photo.stored_as))
    assert stored.format == "JPEG" and not stored.getexif()
    assert Image.open(files.path(photo.stored_as, preview=True)).width <= files.PREVIEW_SIDE
    shown = client.get(reverse("ledger:attachment", args=[photo.pk]))
    assert shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == files.path(photo.stored_as).read_bytes()
    assert AuditEntry.objects.filter(action="record.attach").count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00 not a picture at all", "不是可识别的照片"),
        ("photo.jpg", b"", "请选择要上传的文件"),
        (
            "photo.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
            "不是可识别的照片",
        ),
    ],
)
def test_what_is_not_a_photo_is_refused_and_nothing_stored(client, world, name, data, message):
    record = _record(world)
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("ledger:attachment-add", args=[record.pk]),
        {"kind": "照片", "files": [_upload(name, data)]},
        follow=True,
    )
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert (
        not list(files.path("x.jpg").parent.glob("*"))
        if files.path("x.jpg").parent.exists()
        else True
    )


def test_an_oversized_file_is_refused(client, world, settings):
    settings.RECORD_FILE_MAX_BYTES = 1000
    record = _record(world)
    with pytest.raises(DomainError, match="文件过大"):
        services.attach(record, [files.Upload("big.jpg", sample_photo())], by=None)
    assert not Attachment.objects.exists()


def test_a_decompression_bomb_is_refused():
    image = Image.new("1", (12_000, 12_000))  # 144 megapixels, a few KB as PNG
    out = io.BytesIO()
    image.save(out, "PNG")
    with pytest.raises(DomainError, match=r"像素过多|不是可识别的照片"):
        files.check_photo(out.getvalue(), "bomb.png")


def test_documents_are_recognised_by_content_not_by_name(world):
    record = _record(world)
    kept = services.attach(
        record,
        [
            files.Upload("签到表.pdf", b"%PDF-1.7\n...", Attachment.Kind.DOCUMENT),
            files.Upload("方案", _docx(), Attachment.Kind.DOCUMENT),
        ],
        by=None,
    )
    assert [a.name for a in kept] == ["签到表.pdf", "方案.docx"]
    assert kept[0].content_type == "application/pdf"
    assert kept[1].content_type.endswith("wordprocessingml.document")
    with pytest.raises(DomainError, match="不是 PDF"):
        services.attach(
            record, [files.Upload("病毒.pdf", b"MZ\x90", Attachment.Kind.DOCUMENT)], by=None
        )
    assert Attachment.objects.count() == 2


def test_one_bad_file_stores_none_of_the_batch(world):
    record = _record(world)
    with pytest.raises(DomainError):
        services.attach(
            record,
            [files.Upload("a.jpg", sample_photo()), files.Upload("b.jpg", b"nonsense")],
            by=None,
        )
    assert not Attachment.objects.exists()
    folder = files.path("x.jpg").parent
    assert not folder.exists() or not any(folder.iterdir())


def test_the_quick_entry_takes_a_photo_and_a_bad_one_saves_no_record(client, world):
    client.force_login(world.cast["community_worker"])
    data = {
        "kind": "活动",
        "topics": [Topic.objects.get(code="culture").pk],
        "title": "广场舞比赛",
        "date": timezone.localdate().isoformat(),
        "place": world.grid.pk,
    }
    bad = client.post(reverse("ledger:record-create"), {**data, "files": [_upload("a.jpg", b"xx")]})
    assert "不是可识别的照片" in bad.content.decode()
    assert not WorkRecord.objects.exists()
    good = client.post(
        reverse("ledger:record-create"), {**data, "files": [_upload("a.jpg", sample_photo())]}
    )
    assert good.status_code == 302
    assert WorkRecord.objects.get().attachments.count() == 1


def test_removing_a_photo_deletes_its_files(client, world, django_capture_on_commit_callbacks):
    record = _record(world)
    (photo,) = services.attach(record, [files.Upload("a.jpg", sample_photo())], by=None)
    client.force_login(world.cast["community_worker"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:attachment-remove", args=[photo.pk]))
    assert not Attachment.objects.exists()
    assert not files.path(photo.stored_as).exists()
    assert not files.path(photo.stored_as, preview=True).exists()


# -- Meeting minutes -----------------------------------------------------------------------


def test_minutes_record_who_came_and_set_the_head_count(client, world):
    meeting = _record(world, "会议")
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("ledger:minutes-edit", args=[meeting.pk]),
        {
            "chair": "李书记",
            "recorder": "王委员",
            "expected": "5",
            "present": "李书记、王委员，张委员\n赵委员",
            "absent": "钱委员（病假）",
            "agenda": "1. 研究帮扶名单\n二、布置安全检查\n\n",
            "decisions": "名单公示后报街道",
            "version": 0,
        },
    )
    assert response.status_code == 302
    minutes = Minutes.objects.get()
    assert minutes.present_names == ["李书记", "王委员", "张委员", "赵委员"]
    assert minutes.agenda_items == ["研究帮扶名单", "布置安全检查"]
    meeting.refresh_from_db()
    assert meeting.head_count == 4
    page = client.get(reverse("ledger:record-detail", args=[meeting.pk])).content.decode()
    assert "应到5人，实到4人，缺席1人" in page and "名单公示后报街道" in page
    ledger = client.get(
        reverse("people:ledger-detail", args=["meetings"]),
        {"start": meeting.date.replace(day=1).isoformat(), "on": meeting.date.isoformat()},
    ).content.decode()
    assert "李书记" in ledger and "研究帮扶名单" in ledger


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"present": "张三、李四", "absent": "李四"}, "李四同时列在出席和缺席中"),
        ({"present": "张三、李四", "absent": "李四（病假）"}, "李四同时列在出席和缺席中"),
        ({"expected": "2", "present": "张三、李四", "absent": "王五"}, "超过应到的2人"),
        ({"chair": "很" * 21}, "不超过 20 字符"),
    ],
)
def test_inconsistent_minutes_are_refused(client, world, changes, message):
    meeting = _record(world, "会议")
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("ledger:minutes-edit", args=[meeting.pk]), {**changes, "version": 0}
    )
    assert message in response.content.decode()
    assert not Minutes.objects.exists()


def test_only_meetings_have_minutes(client, world):
    client.force_login(world.cast["community_worker"])
    activity = _record(world, "活动")
    assert client.get(reverse("ledger:minutes-edit", args=[activity.pk])).status_code == 404


# -- Visits and coverage -------------------------------------------------------------------


def _party_member(world, name, since=datetime.date(2020, 1, 1)):
    person = resident(world.grid, name)
    household = people.create_household(
        number=f"H-{name}", place=world.grid, head=person, since=since, by=None
    )
    people.add_membership(
        GroupCategory.objects.get(code="party"),
        resident=person,
        start=since,
        attributes={"branch": "第一支部", "party_status": "正式党员"},
        by=None,
    )
    return person, household


def test_coverage_counts_members_visited_in_person_or_at_home(world):
    visited, _ = _party_member(world, "甲党员")
    _at_home, home = _party_member(world, "乙党员")
    _party_member(world, "丙党员")
    this_year = datetime.date(2025, 6, 1)
    record = _record(world, "走访/入户", date=this_year)
    services.add_visit(record, resident=visited, purpose="日常走访", by=None)
    services.add_visit(record, household=home, purpose="困难帮扶", findings="家中安好", by=None)
    # A visit outside the period counts for nothing.
    last_year = _record(world, "走访/入户", date=datetime.date(2024, 6, 1))
    services.add_visit(last_year, resident=resident(world.grid, "丁居民"), purpose="其他", by=None)
    coverage = services.visit_coverage(
        GroupCategory.objects.get(code="party"),
        world.community,
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
        user=world.cast["community_worker"],
    )
    assert (coverage.members, coverage.visited) == (3, 2)
    assert [m.resident.name for m in coverage.unvisited] == ["丙党员"]
    assert coverage.rate == pytest.approx(2 / 3)


def test_a_household_visit_before_a_member_moved_in_does_not_count(world):
    member, _ = _party_member(world, "甲党员")
    other_home = people.create_household(
        number="H-2", place=world.grid, head=resident(world.grid, "户主"),
        since=datetime.date(2020, 1, 1), by=None,
    )  # fmt: skip
    people.move_in(other_home, member, relation="其他", since=datetime.date(2025, 7, 1), by=None)
    record = _record(world, "走访/入户", date=datetime.date(2025, 3, 1))
    services.add_visit(record, household=other_home, purpose="日常走访", by=None)
    coverage = services.visit_coverage(
        GroupCategory.objects.get(code="party"), world.community,
        datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), user=world.cast["community_worker"],
    )  # fmt: skip
    assert coverage.visited == 0


def test_the_coverage_page_shows_the_rate_and_who_is_left(client, world):
    _party_member(world, "甲党员")
    client.force_login(world.cast["community_worker"])
    page = client.get(
        reverse("ledger:visit-coverage"),
        {
            "category": GroupCategory.objects.get(code="party").pk,
            "place": world.community.pk,
            "start": "2025-01-01",
            "end": "2025-12-31",
        },
    ).content.decode()
    assert "覆盖率0.0%" in page and "甲党员" in page
    bad = client.get(
        reverse("ledger:visit-coverage"),
        {"category": GroupCategory.objects.get(code="party").pk, "place": world.community.pk,
         "start": "2025-12-31", "end": "2025-01-01"},
    )  # fmt: skip
    assert "结束日期不能早于开始日期" in bad.content.decode()


def test_visits_are_refused_outside_scope_and_on_other_kinds(client, world):
    record = _record(world, "走访/入户")
    neighbour = resident(world.neighbour_community, "邻居")
    with pytest.raises(DomainError, match="只能走访本辖区"):
        services.add_visit(
            record, resident=neighbour, purpose="日常走访", by=world.cast["community_worker"]
        )
    with pytest.raises(DomainError, match="只有走访"):
        services.add_visit(
            _record(world), resident=resident(world.grid), purpose="日常走访", by=None
        )
    client.force_login(world.cast["community_worker"])
    response = client.post(
        reverse("ledger:visit-add", args=[record.pk]),
        {"target": f"r:{neighbour.pk}", "purpose": "日常走访"},
    )
    assert response.status_code == 404
    assert not Visit.objects.exists()


# -- Sign-in by short code -----------------------------------------------------------------


def test_a_resident_signs_in_by_code_and_is_matched_to_the_registry(client, world):
    record = _record(world)
    person = resident(world.grid, "孙阿姨", phone="13912345678")
    code = services.open_signin(record, by=world.cast["community_worker"])
    assert len(code) == 6 and set(code) <= set(services.CODE_ALPHABET)
    form = client.get(reverse("signin:form"), {"code": code.lower()})
    assert "测试记录" in form.content.decode()
    done = client.post(
        reverse("signin:form"), {"code": code, "name": "孙阿姨", "phone": "139 1234 5678"}
    )
    assert "签到成功" in done.content.decode()
    assert Participant.objects.get().resident == person
    assert SignIn.objects.get().state == SignIn.State.MATCHED
    again = client.post(
        reverse("signin:form"), {"code": code, "name": "孙阿姨", "phone": "13912345678"}
    )
    assert "签到成功" in again.content.decode()
    assert SignIn.objects.count() == 1 and Participant.objects.count() == 1


def test_an_unmatched_sign_in_waits_for_the_worker(client, world):
    record = _record(world)
    person = resident(world.grid, "周大爷", phone="13700000000")
    code = services.open_signin(record, by=None)
    done = client.post(
        reverse("signin:form"), {"code": code, "name": "周大爷", "phone": "13911112222"}
    )
    # The same answer as a match: the page confirms nothing about the registry.
    assert "签到成功" in done.content.decode()
    signin = SignIn.objects.get()
    assert signin.state == SignIn.State.PENDING and not Participant.objects.exists()
    client.force_login(world.cast["community_worker"])
    detail = client.get(reverse("ledger:record-detail", args=[record.pk])).content.decode()
    assert "待核对的签到" in detail and "139****2222" in detail and "13911112222" not in detail
    client.post(reverse("ledger:signin-resolve", args=[signin.pk]), {"resident": person.pk})
    signin.refresh_from_db()
    assert signin.state == SignIn.State.ADDED and Participant.objects.get().resident == person


@pytest.mark.parametrize(
    ("name", "phone", "message"),
    [
        ("孙", "13912345678", "请填写真实姓名"),
        ("<script>", "13912345678", "请填写真实姓名"),
        ("孙阿姨", "12345", "手机号码“12345”不正确"),
    ],
)
def test_bad_sign_ins_are_refused_and_nothing_saved(client, world, name, phone, message):
    code = services.open_signin(_record(world), by=None)
    response = client.post(reverse("signin:form"), {"code": code, "name": name, "phone": phone})
    assert message in response.content.decode()
    assert not SignIn.objects.exists()


def test_a_reason_after_an_absent_name_is_not_another_person(world):
    meeting = _record(world, "会议")
    minutes = services.save_minutes(
        meeting,
        services.MinutesData(expected=3, present="张三、李四", absent="王五 病假"),
        by=None,
    )
    assert minutes.absent_names == ["王五"]
    assert minutes.absent == "王五 病假"  # kept as written, reason and all


def test_a_couple_sharing_a_phone_both_sign_in(client, world):
    code = services.open_signin(_record(world), by=None)
    for name in ("钱大爷", "钱大妈"):
        client.post(reverse("signin:form"), {"code": code, "name": name, "phone": "13911110000"})
    assert sorted(SignIn.objects.values_list("name", flat=True)) == ["钱大妈", "钱大爷"]


def test_a_reopened_expired_code_is_a_new_one(world):
    record = _record(world)
    first = services.open_signin(record, by=None, hours=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2), tick=False):
        assert services.open_signin(record, by=None) != first


def test_more_files_than_a_record_holds_are_refused_whole(client, world):
    record = _record(world)
    client.force_login(world.cast["community_worker"])
    photos = [_upload(f"{n}.jpg", b"x") for n in range(services.MAX_ATTACHMENTS + 1)]
    response = client.post(
        reverse("ledger:attachment-add", args=[record.pk]), {"kind": "照片", "files": photos}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_closed_or_wrong_code_leads_nowhere_and_guessing_is_throttled(client, world, monkeypatch):
    monkeypatch.setattr(services, "SIGNIN_WRONG_CODES", 5)
    record = _record(world)
    code = services.open_signin(record, by=None)
    services.close_signin(record, by=None)
    response = client.get(reverse("signin:form"), {"code": code})
    assert "签到码不正确，或本次签到已结束" in response.content.decode()
    for _n in range(services.SIGNIN_WRONG_CODES - 1):
        client.get(reverse("signin:form"), {"code": "ZZZZZZ"})
    throttled = client.get(reverse("signin:form"), {"code": "ZZZZZZ"})
    assert throttled.status_code == 429 and "输错次数过多" in throttled.content.decode()
    with time_machine.travel(timezone.now() + services.SIGNIN_WINDOW, tick=False):
        assert client.get(reverse("signin:form"), {"code": "ZZZZZZ"}).status_code == 200


def test_a_few_typos_do_not_stop_the_right_code(client, world):
    record = _record(world)
    code = services.open_signin(record, by=None)
    for _n in range(5):
        client.get(reverse("signin:form"), {"code": "ZZZZZZ"})
    assert record.title in client.get(reverse("signin:form"), {"code": code}).content.decode()


def test_sign_in_opens_only_around_the_records_day_and_expires(world):
    old = _record(world, date=timezone.localdate() - datetime.timedelta(days=10))
    with pytest.raises(DomainError, match="只能为昨天、今天或明天"):
        services.open_signin(old, by=None)
    record = _record(world)
    code = services.open_signin(record, by=None, hours=1)
    later = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False), pytest.raises(DomainError, match="签到码不正确"):
        services.open_record(code)


def test_the_worker_sees_the_code_and_qr_code(client, world):
    record = _record(world)
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:signin-toggle", args=[record.pk]), {"open": "1"})
    record.refresh_from_db()
    page = client.get(reverse("ledger:record-detail", args=[record.pk])).content.decode()
    assert record.signin_code in page and "<svg" in page
    assert f"/signin/?code={record.signin_code}" in page


# -- Links -----------------------------------------------------------------------------------


def test_a_record_links_households_and_units_of_its_place_only(client, world):
    from areas.models import LocalUnit

    record = _record(world)
    _person, home = _party_member(world, "甲党员")
    shop = LocalUnit.objects.create(name="便民超市", kind="商铺", place=world.grid)
    far_shop = LocalUnit.objects.create(
        name="远处超市", kind="商铺", place=world.neighbour_community
    )
    client.force_login(world.cast["community_worker"])
    client.post(reverse("ledger:link-add", args=[record.pk]), {"target": f"h:{home.pk}"})
    client.post(reverse("ledger:link-add", args=[record.pk]), {"target": f"u:{shop.pk}"})
    refused = client.post(
        reverse("ledger:link-add", args=[record.pk]), {"target": f"u:{far_shop.pk}"}
    )
    assert refused.status_code == 404
    assert list(record.units.all()) == [shop] and list(record.households.all()) == [home]
    page = client.get(reverse("ledger:record-detail", args=[record.pk])).content.decode()
    assert "便民超市" in page and "户H-甲党员" in page
    client.post(reverse("ledger:link-remove", args=[record.pk]), {"target": f"u:{shop.pk}"})
    assert not record.units.exists()
    entries = AuditEntry.objects.filter(action="record.unlink").count()
    with pytest.raises(DomainError, match="没有关联"):
        services.unlink(record, unit=shop, by=None)
    assert AuditEntry.objects.filter(action="record.unlink").count() == entries


def test_the_record_page_costs_no_query_per_row(client, world, django_assert_max_num_queries):
    record = _record(world, "走访/入户")
    code = services.open_signin(record, by=None)
    client.force_login(world.cast["community_worker"])

    def grow(n):
        for i in range(n):
            person = resident(world.grid, f"居民{record.visits.count()}号")
            services.add_participant(record, person, role="参与者", by=None)
            services.add_visit(record, resident=person, purpose="日常走访", by=None)
            services.attach(record, [files.Upload(f"{i}.jpg", sample_photo(i))], by=None)
            SignIn.objects.create(
                record=record, name=f"路人{i}", phone=f"1390000{record.signins.count():04d}",
                state=SignIn.State.PENDING,
            )  # fmt: skip

    for n in (2, 6):
        grow(n)
        with django_assert_max_num_queries(24):  # the same for 2 rows and for 8
            page = client.get(reverse("ledger:record-detail", args=[record.pk]), {"q": "居民"})
        assert code in page.content.decode()


def test_a_sign_in_keeps_the_phone_encrypted_and_knows_a_second_one_by_its_hash(client, world):
    person = resident(world.grid, "钱大爷", phone="13911110000")
    code = services.open_signin(_record(world), by=None)
    for _n in range(2):
        client.post(
            reverse("signin:form"), {"code": code, "name": "钱大爷", "phone": "139 1111 0000"}
        )
    signin = SignIn.objects.get()
    assert signin.resident == person and signin.phone == "13911110000"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM ledger_signin")
        [(phone, phone_hash)] = cursor.fetchall()
    assert "13911110000" not in phone + phone_hash and phone.startswith("dev$")
    twin = SignIn(record=signin.record, name="钱大爷", phone="13911110000", state=signin.state)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignIn.objects.bulk_create([twin])
