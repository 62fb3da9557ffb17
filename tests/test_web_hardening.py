"""Web hardening, each control with the test that fails without it: forms list their fields,
posted place and owner fields give way to the user's scope and identity, every POST route
checks the CSRF token, a number past the database's range is bad input (400), and error pages
are generic, in Chinese, without a traceback."""

from __future__ import annotations

import ast
import datetime
import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from tests.access_matrix import ROUTES
from tests.live import forms_of
from tests.test_access_matrix import _url
from tests.test_fuzz_posts import POSTED, _poster

ROOT = Path(__file__).resolve().parents[1]
APPS = ["accounts", "areas", "audit", "cases", "inspections", "ledger", "people", "programs",
        "reports", "shequ"]  # fmt: skip
FORM_FACTORIES = {"fields_for_model", "modelform_factory", "modelformset_factory",
                  "inlineformset_factory"}  # fmt: skip


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and "tests" not in path.parts:
                yield path


# --- Forms list their fields ---------------------------------------------------------------------


def test_no_form_takes_every_field_of_a_model():
    """A ModelForm's Meta, and every call that builds fields from a model, names the fields:
    never "__all__", never `exclude` (a field added to the model later would become postable)."""
    offences = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in FORM_FACTORIES:
                    given = {k.arg: k.value for k in node.keywords}
                    fields = given.get("fields")
                    if fields is None or "exclude" in given:
                        offences.append(f"{where} {name} without fields= or with exclude=")
                    elif isinstance(fields, ast.Constant) and fields.value == "__all__":
                        offences.append(f"{where} {name}(fields='__all__')")
            if isinstance(node, ast.ClassDef) and node.name == "Meta":
                for stmt in node.body:
                    targets = [t.id for t in getattr(stmt, "targets", []) if hasattr(t, "id")]
                    value = getattr(stmt, "value", None)
                    if "exclude" in targets:
                        offences.append(f"{where} Meta.exclude")
                    if "fields" in targets and isinstance(value, ast.Constant):
                        offences.append(f"{where} Meta.fields = {value.value!r}")
    assert not offences, offences


def _model_forms(cls=forms.ModelForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _model_forms(sub)


def test_every_model_form_of_ours_names_its_fields():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "forms" in info.name and ".tests" not in info.name:
                importlib.import_module(info.name)
    ours = [f for f in _model_forms() if f.__module__.split(".")[0] in APPS]
    for form in ours:
        assert isinstance(form._meta.fields, list | tuple), form
        assert form._meta.exclude is None, form


# --- Posted place and owner fields give way to the user's scope -------------------------------

FOREIGN = {"place_path": "/9999/", "created_by": "1", "owner": "1", "by": "1", "version": "77"}


def _post_page_form(client, url, **changes):
    """Submit the page's own form at `url` as a browser would, with `changes`."""
    page = client.get(url)
    assert page.status_code == 200
    form = next(
        f for f in forms_of(page.content.decode()) if f.method == "post" and f.action in ("", "?")
    )
    data: dict[str, list[str]] = {}
    for key, value in form.values(**changes):
        data.setdefault(key, []).append(value)
    return client.post(url, data)


def test_a_resident_lands_in_the_place_chosen_within_scope_whatever_else_is_posted(client, world):
    from people.models import Resident
    from people.tests.factories import id_for

    client.force_login(world.cast["grid_worker"])
    url = reverse("people:resident-create")
    fields = {"name": "钱七", "id_number": id_for(datetime.date(1980, 5, 5)), **FOREIGN}
    outside = _post_page_form(client, url, **fields, place=world.neighbour_grid.pk)
    assert outside.status_code == 200 and not Resident.objects.exists()
    assert _post_page_form(client, url, **fields, place=world.grid.pk).status_code == 302
    person = Resident.objects.get()
    assert (person.place, person.place_path, person.version) == (world.grid, world.grid.path, 0)


def test_a_household_lands_in_the_place_chosen_within_scope(client, world):
    from people.models import Household
    from people.tests.factories import resident

    head = resident(world.grid, "孙八")
    client.force_login(world.cast["grid_worker"])
    url = reverse("people:household-create")
    fields = {"number": "H-9", "head_id_number": head.id_number, "since": "2024-01-01", **FOREIGN}
    outside = _post_page_form(client, url, **fields, place=world.neighbour_grid.pk)
    assert outside.status_code == 200 and not Household.objects.exists()
    assert _post_page_form(client, url, **fields, place=world.grid.pk).status_code == 302
    household = Household.objects.get()
    assert (household.place, household.place_path) == (world.grid, world.grid.path)


def test_a_work_record_is_the_posting_workers_and_in_their_scope(client, world):
    from ledger.models import Topic, WorkRecord

    worker = world.cast["grid_worker"]
    client.force_login(worker)
    url = reverse("ledger:record-create")
    fields = {"kind": "宣传", "title": "防诈宣传", "date": "2025-04-15",
              "topics": str(Topic.objects.get(code="law").pk), **FOREIGN,
              "created_by": str(world.outsiders["grid_worker"].pk)}  # fmt: skip
    outside = _post_page_form(client, url, **fields, place=world.neighbour_grid.pk)
    assert outside.status_code == 200 and not WorkRecord.objects.exists()
    assert _post_page_form(client, url, **fields, place=world.grid.pk).status_code == 302
    record = WorkRecord.objects.get()
    assert (record.created_by, record.place_path, record.version) == (worker, world.grid.path, 0)


def test_a_case_is_opened_in_scope_by_the_posting_worker(client, world):
    from cases.models import Case

    worker = world.cast["grid_worker"]
    client.force_login(worker)
    url = reverse("cases:case-create", args=["request"])
    fields = {"title": "楼道灯不亮", "category": "水电维修", "channel": "电话",
              "description": "灯坏了", **FOREIGN, "state": "已结案"}  # fmt: skip
    outside = _post_page_form(client, url, **fields, place=world.neighbour_grid.pk)
    assert outside.status_code == 200 and not Case.objects.exists()
    assert _post_page_form(client, url, **fields, place=world.grid.pk).status_code == 302
    case = Case.objects.get()
    assert (case.place_path, case.version) == (world.grid.path, 0)
    assert case.state != "已结案"
    assert case.events.get().by == worker


def test_an_inspection_is_recorded_in_scope_by_the_posting_worker(client, world):
    from inspections.models import Inspection
    from inspections.tests.factories import checklist, shop
    from inspections.tests.test_views import _form, _step_two

    worker = world.cast["grid_worker"]
    client.force_login(worker)
    version = checklist()
    far = shop(world.neighbour_grid, "邻网格商店")
    near = shop(world.grid, "本网格商店")
    data = {**_form(world, version), "inspectors": [worker.pk], **FOREIGN}
    outside = client.post(_step_two(unit=far.pk), data)
    assert outside.status_code == 404 and not Inspection.objects.exists()
    assert client.post(_step_two(unit=near.pk), data).status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.unit, inspection.place_path) == (near, world.grid.path)
    assert (inspection.created_by, inspection.version) == (worker, 0)


# --- CSRF on every POST route ---------------------------------------------------------------------


@pytest.mark.parametrize("name", POSTED)
def test_a_post_without_the_csrf_token_is_refused(world, name):
    route = ROUTES[name]
    role = _poster(route)
    client = Client(enforce_csrf_checks=True)
    if role is not None:
        client.force_login(world.cast[role])
    response = client.post(_url(route, name, world), {})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


# --- Out-of-range numbers and error pages --------------------------------------------------------


def test_a_number_past_the_databases_range_is_bad_input(client, world):
    from inspections.models import Inspection
    from inspections.tests.factories import inspect

    inspection = inspect(world)
    client.force_login(world.cast["community_worker"])
    url = reverse("inspections:inspection-edit", args=[inspection.pk])
    before = list(Inspection.objects.values())
    response = client.post(url, {"inspectors": "99999999999999999999", "version": "0"})
    assert response.status_code in (200, 400)  # PostgreSQL reads it as a number nobody has
    if response.status_code == 400:
        assert "请求有误" in response.content.decode()
    assert list(Inspection.objects.values()) == before


def test_error_pages_are_generic_and_chinese_without_a_traceback(
    client, world, settings, monkeypatch
):
    import people.views

    settings.DEBUG = False
    client.force_login(world.cast["community_worker"])
    missing = client.get("/people/residents/999999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(people.views, "require", broken)
    client.raise_request_exception = False
    failed = client.get(reverse("people:resident-list"))
    page = failed.content.decode()
    assert failed.status_code == 500
    assert "系统出错了" in page
    assert "secret detail" not in page and "Traceback" not in page and "people/views.py" not in page
