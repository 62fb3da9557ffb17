import pytest
from django.urls import reverse

from audit.models import AuditEntry
from inspections import services
from inspections.models import Checklist, ChecklistItem, ChecklistVersion
from inspections.tests.factories import FIRE, inspect, shop

ITEM = {"label": "灭火器在有效期内", "kind": "yesno", "failing": "否", "required": "on"}


def _version_url(version) -> str:
    return reverse("inspections:checklist-version", args=[version.pk])


def _labels(version) -> list[str]:
    return list(version.items.order_by("order", "id").values_list("label", flat=True))


def test_an_admin_builds_a_checklist_and_publishes_it(client, world):
    client.force_login(world.cast["district_admin"])
    response = client.post(
        reverse("inspections:checklist-create"),
        {"name": "燃气安全检查", "area": "安全生产", "description": "餐饮店燃气使用"},
    )
    checklist = Checklist.objects.get(name="燃气安全检查")
    draft = checklist.draft()
    assert response.url == _version_url(draft)
    add = reverse("inspections:checklist-item-add", args=[draft.pk])
    client.post(add, {**ITEM, "needs_rectification": "on"})
    client.post(add, {"label": "软管老化", "kind": "choice", "choices": "无、轻微、严重",
                      "failing": "严重", "required": "on"})  # fmt: skip
    client.post(add, {"label": "钢瓶数量", "kind": "number", "unit": "个"})
    assert _labels(draft) == ["灭火器在有效期内", "软管老化", "钢瓶数量"]
    page = client.get(_version_url(draft)).content.decode()
    assert "发布第1版" in page and "无、轻微、严重" in page and "选答" in page

    hose = draft.items.get(label="软管老化")
    client.post(reverse("inspections:checklist-item-move", args=[hose.pk]), {"direction": "up"})
    assert _labels(draft) == ["软管老化", "灭火器在有效期内", "钢瓶数量"]
    assert list(draft.items.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    changed = {"label": "燃气软管老化", "kind": "choice", "choices": "无、轻微、严重"}
    hose.refresh_from_db()  # moved: its revision moved on with it
    client.post(
        reverse("inspections:checklist-item-edit", args=[hose.pk]),
        {**changed, "failing": "轻微、严重", "version": hose.revision},
    )
    hose.refresh_from_db()
    assert hose.label == "燃气软管老化" and hose.failing_list() == ["轻微", "严重"]
    assert not hose.required
    bottles = draft.items.get(label="钢瓶数量")
    client.post(reverse("inspections:checklist-item-remove", args=[bottles.pk]))
    assert _labels(draft) == ["燃气软管老化", "灭火器在有效期内"]

    response = client.post(reverse("inspections:checklist-publish", args=[draft.pk]), follow=True)
    assert "已发布第1版" in response.content.decode()
    assert checklist.current() == draft and checklist.draft() is None
    listing = client.get(reverse("inspections:checklist-list")).content.decode()
    assert "燃气安全检查" in listing and "第1版" in listing
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"checklist.create", "checklist.publish", "checklist_item.create"} <= actions
    assert {"checklist_item.move", "checklist_item.update", "checklist_item.delete"} <= actions


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"label": "卫生", "kind": "choice", "choices": "好"}, "选项题至少要有两个可选值"),
        ({"label": "卫生", "kind": "choice", "choices": "好、差", "failing": "坏"}, "不在可选值"),
        ({"label": "数量", "kind": "number", "failing": "0"}, "只有是/否题和选项题"),
        ({"label": "灭火器", "kind": "yesno", "needs_rectification": "on"}, "须整改的项目要写明"),
        ({"label": "", "kind": "yesno"}, "这个字段是必填项"),
    ],
)
def test_a_bad_item_shows_its_error_and_saves_nothing(client, world, item, message):
    client.force_login(world.cast["sysadmin"])
    draft = services.create_checklist(name="新表", area="其他", by=None).draft()
    response = client.post(reverse("inspections:checklist-item-add", args=[draft.pk]), item)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not draft.items.exists()


def test_an_empty_draft_is_not_published(client, world):
    client.force_login(world.cast["sysadmin"])
    draft = services.create_checklist(name="新表", area="其他", by=None).draft()
    response = client.post(reverse("inspections:checklist-publish", args=[draft.pk]), follow=True)
    assert "还没有检查项目，不能发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_published_version_offers_no_changes_and_refuses_them(client, world):
    client.force_login(world.cast["district_admin"])
    fire = Checklist.objects.get(name=FIRE)
    version = fire.current()
    item = version.items.first()
    page = client.get(_version_url(version)).content.decode()
    assert "已发布，检查项目不能再修改" in page and "建立新版本" in page
    assert reverse("inspections:checklist-item-edit", args=[item.pk]) not in page
    assert "添加检查项目" not in page

    edit = reverse("inspections:checklist-item-edit", args=[item.pk])
    assert "这一版已发布，不能修改" in client.get(edit).content.decode()
    refused = client.post(edit, {"label": "改掉", "kind": "yesno", "version": 0})
    assert "已发布的版本不能修改" in refused.content.decode()
    page = client.post(
        reverse("inspections:checklist-item-add", args=[version.pk]), ITEM, follow=True
    ).content.decode()
    assert "已发布的版本不能修改" in page
    client.post(reverse("inspections:checklist-item-remove", args=[item.pk]))
    client.post(reverse("inspections:checklist-item-move", args=[item.pk]), {"direction": "down"})
    client.post(reverse("inspections:checklist-publish", args=[version.pk]))
    item.refresh_from_db()
    assert item.label != "改掉" and item.order == 1
    assert version.items.count() == 10 and fire.versions.count() == 1


def test_a_new_version_copies_the_items_and_the_history_counts_inspections(client, world):
    inspect(world)
    inspect(world, unit=shop(world.neighbour_community, "隔壁店"), by=world.cast["district_admin"])
    fire = Checklist.objects.get(name=FIRE)
    client.force_login(world.cast["district_admin"])
    url = reverse("inspections:checklist-new-draft", args=[fire.pk])
    response = client.post(url)
    draft = fire.draft()
    assert response.url == _version_url(draft)
    assert draft.number == 2 and _labels(draft) == _labels(fire.current())
    assert client.post(url).url == _version_url(draft)  # the draft being prepared, not a third
    assert fire.versions.count() == 2

    page = client.get(reverse("inspections:checklist-detail", args=[fire.pk]))
    assert [(v.number, v.used) for v in page.context["versions"]] == [(2, 0), (1, 2)]
    assert "第2版草稿正在编制" in page.content.decode()
    # A worker's figures are those of their own community.
    client.force_login(world.cast["community_worker"])
    page = client.get(reverse("inspections:checklist-detail", args=[fire.pk]))
    assert [(v.number, v.used) for v in page.context["versions"]] == [(1, 1)]  # no drafts
    listing = client.get(reverse("inspections:checklist-list"))
    assert {c.name: c.used for c in listing.context["checklists"]}[FIRE] == 1


def test_a_worker_reads_checklists_but_changes_nothing(client, world):
    fire = Checklist.objects.get(name=FIRE)
    version = fire.current()
    item = version.items.first()
    for role in ("community_worker", "viewer"):
        client.force_login(world.cast[role])
        listing = client.get(reverse("inspections:checklist-list")).content.decode()
        assert FIRE in listing and "新建检查表" not in listing
        detail = client.get(reverse("inspections:checklist-detail", args=[fire.pk]))
        assert "灭火器配置齐全且在有效期内" in detail.content.decode()
        assert "修改设置" not in detail.content.decode()
        assert "建立新版本" not in client.get(_version_url(version)).content.decode()
        writes = [
            ("inspections:checklist-create", None, {"name": "新表", "area": "其他"}),
            ("inspections:checklist-edit", fire.pk, {"name": "改名", "area": "其他"}),
            ("inspections:checklist-new-draft", fire.pk, {}),
            ("inspections:checklist-item-add", version.pk, ITEM),
            ("inspections:checklist-item-edit", item.pk, ITEM),
            ("inspections:checklist-item-remove", item.pk, {}),
            ("inspections:checklist-publish", version.pk, {}),
        ]
        for name, pk, data in writes:
            url = reverse(name, args=[pk] if pk else [])
            assert client.post(url, data).status_code == 403, (role, name)
    assert Checklist.objects.count() == 4 and fire.versions.count() == 1
    client.force_login(world.cast["auditor"])
    assert client.get(reverse("inspections:checklist-list")).status_code == 403


def test_actions_answer_only_post(client, world):
    client.force_login(world.cast["district_admin"])
    fire = Checklist.objects.get(name=FIRE)
    item = fire.current().items.first()
    for name, pk in [
        ("inspections:checklist-new-draft", fire.pk),
        ("inspections:checklist-publish", fire.current().pk),
        ("inspections:checklist-item-add", fire.current().pk),
        ("inspections:checklist-item-remove", item.pk),
        ("inspections:checklist-item-move", item.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 405, name
    assert client.post(reverse("inspections:checklist-list")).status_code == 405
    assert fire.versions.count() == 1


def test_settings_are_changed_and_a_checklist_retired(client, world):
    client.force_login(world.cast["district_admin"])
    fire = Checklist.objects.get(name=FIRE)
    url = reverse("inspections:checklist-edit", args=[fire.pk])
    taken = client.post(
        url, {"name": "食品卫生检查", "area": "消防安全", "active": "on", "version": 0}
    )
    assert "已有名为“食品卫生检查”的检查表" in taken.content.decode()
    empty = client.post(reverse("inspections:checklist-create"), {"name": "", "area": "消防安全"})
    assert "这个字段是必填项" in empty.content.decode()
    fire.refresh_from_db()
    assert fire.name == FIRE and Checklist.objects.count() == 4

    client.post(url, {"name": FIRE, "area": "消防安全", "description": "日常检查", "version": 0})
    fire.refresh_from_db()
    assert not fire.active and fire.description == "日常检查"
    listing = client.get(reverse("inspections:checklist-list")).content.decode()
    assert "停用" in listing
    page = client.get(reverse("inspections:checklist-detail", args=[fire.pk])).content.decode()
    assert "这张检查表已停用" in page


def test_the_pages_keep_their_query_counts(client, world, django_assert_max_num_queries):
    for n in range(12):
        checklist = services.create_checklist(name=f"检查表{n}", area="其他", by=None)
        services.add_item(checklist.draft(), services.ItemData(label="整洁"), by=None)
        if n % 2:
            services.publish(checklist.draft(), by=None)
    inspect(world)
    fire = Checklist.objects.get(name=FIRE)
    client.force_login(world.cast["district_admin"])
    with django_assert_max_num_queries(8):
        listing = client.get(reverse("inspections:checklist-list"))
    assert len(listing.context["checklists"]) == 16
    services.new_draft(fire, by=None)
    with django_assert_max_num_queries(10):
        client.get(reverse("inspections:checklist-detail", args=[fire.pk]))
    url = _version_url(fire.draft())
    with django_assert_max_num_queries(10):
        client.get(url)
    assert ChecklistVersion.objects.filter(checklist=fire).count() == 2
    assert ChecklistItem.objects.filter(version=fire.draft()).count() == 10
