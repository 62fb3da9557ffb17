import io
import stat
import time
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import ImportJob, Resident
from people.tests.test_import import HEADERS, residents_rows, workbook


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path


def _upload(client, world, data: bytes, name="居民.xlsx"):
    return client.post(
        reverse("people:import-start"),
        {"kind": "residents", "place": world.community.pk, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_check_confirm_import(client, world, tmp_path):
    client.force_login(world.cast["community_worker"])
    response = _upload(client, world, workbook(HEADERS, residents_rows(3)))
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("people:import-detail", args=[job.pk])
    assert job.state == ImportJob.State.CHECKED and not Resident.objects.exists()
    # Kept until it is imported, readable by the server's account only (it holds ID numbers).
    stored = tmp_path / job.stored_as
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    page = client.get(response["Location"]).content.decode()
    assert "将新增3条" in page
    client.post(reverse("people:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Resident.objects.count() == 3
    assert not stored.exists()  # imported: not kept beside the database


def test_bad_rows_show_on_the_page_and_in_the_report(client, world, tmp_path):
    client.force_login(world.cast["community_worker"])
    rows = residents_rows(2)
    rows[1][1] = "110105"
    _upload(client, world, workbook(HEADERS, rows))
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.INVALID and job.error_count == 1
    assert list(tmp_path.iterdir()) == []  # refused: the file is gone, its errors kept
    page = client.get(reverse("people:import-detail", args=[job.pk])).content.decode()
    assert "身份证号码应为18位" in page
    report = client.get(reverse("people:import-report", args=[job.pk]))
    assert ".xlsx-" not in report["Content-Disposition"]  # residents-错误报告.xlsx
    assert quote("-错误报告.xlsx") in report["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert any("18位" in str(c.value) for row in sheet.iter_rows() for c in row)
    assert client.post(reverse("people:import-commit", args=[job.pk])).status_code == 302
    assert not Resident.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused_on_the_form(client, world):
    client.force_login(world.cast["community_worker"])
    response = _upload(client, world, b"a,b\n1,2\n", name="居民.csv")
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_xlsx_named_file_that_is_not_a_workbook_is_invalid(client, world):
    client.force_login(world.cast["community_worker"])
    _upload(client, world, b"PK\x03\x04 not really a zip")
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.INVALID and "不是Excel工作簿" in job.message


def test_template_download_is_a_real_workbook(client, world):
    client.force_login(world.cast["community_worker"])
    response = client.get(reverse("people:import-template", args=["households"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["A1"].value == "户号"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.django_db(transaction=True)
def test_large_files_run_in_the_background_and_report_progress(client, world, settings):
    settings.IMPORT_BACKGROUND_BYTES = 0
    client.force_login(world.cast["community_worker"])
    _upload(client, world, workbook(HEADERS, residents_rows(40)))
    job = ImportJob.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(reverse("people:import-status", args=[job.pk])).json()
        if status["finished"]:
            break
        time.sleep(0.1)
    assert status["state"] == "checked" and status["done"] == 40 and status["percent"] == 100


def test_membership_template_offers_only_the_groups_the_user_may_see(client, world):
    client.force_login(world.cast["grid_worker"])
    response = client.get(reverse("people:import-template", args=["memberships"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in book.worksheets[0][1]]
    assert "所在支部" in headers and "残疾类别" not in headers and "矫正类别" not in headers


def test_a_possible_duplicate_is_flagged_but_not_refused(client, world):
    import datetime

    from people.tests.factories import id_for, resident

    resident(world.grid, "重名人", birth=datetime.date(1975, 5, 5))
    row = ["重名人", id_for(datetime.date(1975, 5, 5)), "甲一网格", "", "汉族", "初中"]
    client.force_login(world.cast["community_worker"])
    _upload(client, world, workbook(HEADERS, [row]))
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.CHECKED
    assert job.warnings and "同名且出生日期相同" in job.warnings[0]["message"]
    page = client.get(reverse("people:import-detail", args=[job.pk])).content.decode()
    assert "值得再核对" in page
