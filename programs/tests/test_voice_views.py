import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import WorkRecord
from people.tests.factories import resident
from programs import services
from programs.forms import parse_questions
from programs.models import Deliberation, Opinion, Question, Questionnaire, Response
from programs.tests.factories import household
from programs.tests.voice_factories import deliberation, opinion, questionnaire

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _meeting(place, *, kind="会议", days_ago=0, title="居民议事会"):
    return WorkRecord.objects.create(
        kind=kind, title=title, date=TODAY - days_ago * DAY, place=place
    )


def _page(response) -> str:
    return response.content.decode()


# --- Opinions -----------------------------------------------------------------------------------


def test_a_worker_records_an_opinion_from_a_resident_found_by_search(client, world):
    person = resident(world.grid, "李秀兰")
    resident(world.neighbour_community, "李秀英")  # next door: never offered
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:opinion-create")
    assert client.get(url).status_code == 200
    form = {
        "date": TODAY.isoformat(),
        "source": "座谈会",
        "category": "环境卫生",
        "content": "垃圾分类点夜间无人清运",
    }
    found = client.post(url, {**form, "find": "李秀", "search": "1"})
    page = _page(found)
    assert "李秀兰" in page and "李秀英" not in page
    assert "垃圾分类点夜间无人清运" in page  # what was typed survives the search
    assert "这个字段是必填项" not in page  # a search does not judge the form
    assert not Opinion.objects.exists()
    saved = client.post(url, {**form, "resident": person.pk})
    opinion = Opinion.objects.get()
    assert saved.url == reverse("programs:opinion-detail", args=[opinion.pk])
    assert (opinion.resident, opinion.place, opinion.from_name) == (person, world.grid, "李秀兰")
    detail = _page(client.get(saved.url))
    assert "垃圾分类点夜间无人清运" in detail and "李秀兰" in detail


def test_save_and_continue_presets_the_next_opinion(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:opinion-create")
    form = {
        "date": (TODAY - DAY).isoformat(),
        "source": "座谈会",
        "category": "治安安全",
        "content": "路灯不亮",
        "from_name": "王女士",
        "place": world.grid.pk,
        "another": "1",
    }
    response = client.post(url, form)
    assert response.status_code == 302 and response.url.startswith(url)
    again = client.get(response.url)
    assert again.context["form"].initial["source"] == "座谈会"
    assert Opinion.objects.get().from_name == "王女士"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"content": ""}, "这个字段是必填项"),
        ({"date": (TODAY + DAY).isoformat()}, "收集日期不能晚于今天"),
        ({"place": ""}, "请选择在用的社区或街道"),
        ({"category": "天气"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_opinion_saves_nothing(client, world, change, message):
    client.force_login(world.cast["community_worker"])
    form = {
        "date": TODAY.isoformat(),
        "source": "走访",
        "category": "其他",
        "content": "建议增设休息座椅",
        "place": world.grid.pk,
        **change,
    }
    response = client.post(reverse("programs:opinion-create"), form)
    assert response.status_code == 200
    assert message in _page(response)
    assert not Opinion.objects.exists()


def test_a_resident_from_next_door_cannot_be_named(client, world):
    stranger = resident(world.neighbour_community, "赵某")
    client.force_login(world.cast["community_worker"])
    form = {"date": TODAY.isoformat(), "source": "走访", "category": "其他", "content": "意见"}
    response = client.post(reverse("programs:opinion-create"), {**form, "resident": stranger.pk})
    assert "所选居民不在本辖区" in _page(response)
    assert not Opinion.objects.exists()


def test_an_opinion_taken_to_a_deliberation_is_listed_there(client, world):
    heard = opinion(world.grid, content="楼下停车难，消防通道被占")
    meeting = deliberation(world.community, topic="停车位划线")
    deliberation(world.neighbour_community, topic="隔壁的议事")
    client.force_login(world.cast["community_worker"])
    detail = client.get(reverse("programs:opinion-detail", args=[heard.pk]))
    offered = list(detail.context["form"].fields["deliberation"].queryset)
    assert offered == [meeting]
    url = reverse("programs:opinion-settle", args=[heard.pk])
    refused = client.post(url, {"outcome": "提交议事", "version": 0})
    assert "请选择提交的议事协商" in _page(refused)
    assert Opinion.objects.get().outcome == "待处理"
    response = client.post(url, {"outcome": "提交议事", "deliberation": meeting.pk, "version": 0})
    assert response.status_code == 302
    assert Opinion.objects.get().deliberation == meeting
    page = client.get(reverse("programs:deliberation-detail", args=[meeting.pk]))
    assert [o.pk for o in page.context["opinions"]] == [heard.pk]
    assert "楼下停车难" in _page(page)


def test_an_answered_opinion_needs_its_reply(client, world):
    heard = opinion(world.grid)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:opinion-settle", args=[heard.pk])
    refused = client.post(url, {"outcome": "已答复", "reply": "  ", "version": 0})
    assert "请填写答复/办理结果" in _page(refused)
    assert Opinion.objects.get().outcome == "待处理"
    client.post(url, {"outcome": "已答复", "reply": "已联系物业，本周内清运", "version": 0})
    assert Opinion.objects.get().reply == "已联系物业，本周内清运"


def test_several_open_opinions_go_to_one_deliberation_or_none_do(client, world):
    first, second = opinion(world.grid), opinion(world.grid, content="电动车乱停")
    answered = opinion(world.grid, content="已回复的")
    services.settle_opinion(answered, outcome="已答复", reply="已处理", by=None)
    meeting = deliberation(world.community)
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:opinion-bulk-settle")
    both = {"opinions": [first.pk, answered.pk], "deliberation": meeting.pk, "query": "q=停"}
    response = client.post(url, both)
    assert response.status_code == 302 and "q=" in response.url
    assert not Opinion.objects.filter(deliberation=meeting).exists()  # one refused: none
    response = client.post(url, {"opinions": [first.pk, second.pk], "deliberation": meeting.pk})
    assert set(Opinion.objects.filter(deliberation=meeting)) == {first, second}
    page = _page(client.get(response.url))
    assert "已将2条意见提交议事" in page


def test_the_opinion_list_counts_by_category_and_outcome(
    client, world, django_assert_max_num_queries
):
    for n in range(3):
        opinion(world.grid, category="交通停车", content=f"停车{n}")
    opinion(world.community, category="环境卫生", content="垃圾")
    answered = opinion(world.grid, category="环境卫生", content="绿化带")
    services.settle_opinion(answered, outcome="已答复", reply="已补种", by=None)
    opinion(world.neighbour_community, category="环境卫生", content="隔壁")
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:opinion-list")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    counts = {value: n for value, _label, n, _url, _on in page.context["categories"]}
    assert counts["交通停车"] == 3 and counts["环境卫生"] == 2
    outcomes = {value: n for value, _label, n, _url, _on in page.context["outcomes"]}
    assert outcomes["待处理"] == 4 and outcomes["已答复"] == 1
    assert page.context["total"] == 5 and "隔壁" not in _page(page)
    chosen = client.get(url, {"category": "环境卫生", "outcome": "待处理"})
    assert [o.content for o in chosen.context["rows"]] == ["垃圾"]
    found = client.get(url, {"q": "停车1"})
    assert [o.content for o in found.context["rows"]] == ["停车1"]
    place = client.get(url, {"place": world.community.pk, "start": TODAY.isoformat()})
    assert len(place.context["rows"]) == 0  # every one was heard yesterday


def test_the_opinion_list_pages_without_a_query_per_row(
    client, world, django_assert_max_num_queries
):
    meeting = deliberation(world.community)
    for n in range(55):
        heard = opinion(world.grid, content=f"意见{n}")
        if n % 5 == 0:
            services.settle_opinion(heard, outcome="提交议事", deliberation=meeting, by=None)
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(13):
        first = client.get(reverse("programs:opinion-list"))
    assert len(first.context["rows"]) == 50 and first.context["more"]
    second = client.get(reverse("programs:opinion-list"), {"before": first.context["more"]})
    assert len(second.context["rows"]) == 5


# --- Deliberations ------------------------------------------------------------------------------


def test_a_deliberation_links_the_meeting_record_of_its_place(client, world):
    meeting = _meeting(world.community, days_ago=1)
    _meeting(world.community, kind="活动", title="文艺演出")  # not a meeting
    _meeting(world.community, days_ago=40, title="上季度的会")  # long before
    _meeting(world.neighbour_community, title="隔壁的会")  # not this place
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:deliberation-create")
    page = client.get(url)
    assert list(page.context["form"].fields["record"].queryset) == [meeting]
    form = {
        "topic": "加装电梯费用分摊",
        "date": TODAY.isoformat(),
        "place": world.community.pk,
        "participants": "23",
        "record": meeting.pk,
        "decision": "按楼层系数分摊",
    }
    response = client.post(url, form)
    saved = Deliberation.objects.get()
    assert response.url == reverse("programs:deliberation-detail", args=[saved.pk])
    assert (saved.record, saved.participants) == (meeting, 23)
    detail = _page(client.get(response.url))
    assert reverse("ledger:record-detail", args=[meeting.pk]) in detail


def test_looking_for_records_near_another_date_keeps_what_was_typed(client, world):
    older = _meeting(world.community, days_ago=60, title="两个月前的议事会")
    client.force_login(world.cast["community_worker"])
    typed = {
        "topic": "楼道堆物清理",
        "date": (TODAY - 60 * DAY).isoformat(),
        "place": world.community.pk,
        "participants": "9",
        "search": "1",
    }
    page = client.post(reverse("programs:deliberation-create"), typed)
    assert list(page.context["form"].fields["record"].queryset) == [older]
    assert "楼道堆物清理" in _page(page) and not Deliberation.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"published_on": TODAY.isoformat(), "decision": ""}, "公示前请填写协商结果"),
        ({"date": (TODAY - 30 * DAY).isoformat()}, "相差超过15天"),
        ({"participants": "-1"}, "确保该值大于或等于0"),
        ({"topic": ""}, "这个字段是必填项"),
    ],
)
def test_a_bad_deliberation_changes_nothing(client, world, change, message):
    meeting = _meeting(world.community)
    before = deliberation(world.community, topic="原议题")
    client.force_login(world.cast["community_worker"])
    form = {
        "topic": "新议题",
        "date": TODAY.isoformat(),
        "place": world.community.pk,
        "participants": "5",
        "record": meeting.pk,
        "version": 0,
        **change,
    }
    response = client.post(reverse("programs:deliberation-edit", args=[before.pk]), form)
    assert response.status_code == 200 and message in _page(response)
    assert Deliberation.objects.get().topic == "原议题"


def test_the_deliberation_list_counts_opinions_in_one_query_each(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        meeting = deliberation(world.community, topic=f"议题{n}", decision="同意")
        for _i in range(2):
            heard = opinion(world.grid, days_ago=2)
            services.settle_opinion(heard, outcome="提交议事", deliberation=meeting, by=None)
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("programs:deliberation-list"))
    assert page.context["figures"] == {"meetings": 5, "published": 0, "opinions": 10}
    assert [d.opinion_count for d in page.context["page"]] == [2] * 5


# --- Questionnaires -----------------------------------------------------------------------------


def test_questions_are_read_one_per_block():
    text = (
        "1. 您对社区环境是否满意？\nA. 满意\nB. 一般\nC. 不满意\n\n"
        "2、希望增加的活动【多选】\n□文体\n□讲座\n\n"
        "其他建议（文字）\n\n"
        "没有选项的题"
    )
    read = [(q.text, q.kind, q.choices) for q in parse_questions(text)]
    assert read == [
        ("您对社区环境是否满意？", "single", "满意、一般、不满意"),
        ("希望增加的活动", "multiple", "文体、讲座"),
        ("其他建议", "text", ""),
        ("没有选项的题", "text", ""),
    ]


def test_a_worker_starts_a_questionnaire_from_typed_questions(client, world):
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:questionnaire-create")
    assert client.get(url).status_code == 200
    form = {
        "title": "老旧小区改造意见征询",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + 20 * DAY).isoformat(),
        "place": world.community.pk,
        "by_household": "1",
        "questions": "是否同意加装电梯？\n同意\n不同意\n\n改造中最关心的问题[多选]\n停车\n绿化\n"
        "管线\n\n其他意见[文字]",
    }
    preview = client.post(url, {**form, "preview": "1"})
    assert [t for t, _k, _o in preview.context["preview"]] == [
        "是否同意加装电梯？",
        "改造中最关心的问题",
        "其他意见",
    ]
    assert not Questionnaire.objects.exists()
    response = client.post(url, form)
    saved = Questionnaire.objects.get()
    assert response.url == reverse("programs:questionnaire-detail", args=[saved.pk])
    assert saved.by_household
    kinds = list(saved.questions.values_list("kind", "choices"))
    assert kinds == [("single", "同意、不同意"), ("multiple", "停车、绿化、管线"), ("text", "")]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ("只有一个选项的题\n是", "第1题至少要有两个选项"),
        ("好\n是\n是", "第1题的选项有重复"),
        ("写点什么[文字]\n选项", "第1题是文字题，不需要选项"),
        ("", "这个字段是必填项"),
    ],
)
def test_bad_questions_start_nothing(client, world, questions, message):
    client.force_login(world.cast["community_worker"])
    form = {
        "title": "问卷",
        "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(),
        "place": world.community.pk,
        "by_household": "0",
        "questions": questions,
    }
    response = client.post(reverse("programs:questionnaire-create"), form)
    assert response.status_code == 200 and message in _page(response)
    assert not Questionnaire.objects.exists() and not Question.objects.exists()


def _answer(client, survey, who, single, many, text="", **extra):
    first, second, third = survey.questions.all()
    data = {
        "respondent": who.pk,
        "date": TODAY.isoformat(),
        f"q_{first.pk}": single,
        f"q_{second.pk}": many,
        f"q_{third.pk}": text,
        **extra,
    }
    return client.post(reverse("programs:questionnaire-respond", args=[survey.pk]), data)


def test_responses_entered_add_up_on_the_results_page(client, world, django_assert_max_num_queries):
    survey = questionnaire(world.community)
    people = [resident(world.grid, f"答卷人{n}") for n in range(5)]
    client.force_login(world.cast["community_worker"])
    picks = [
        ("满意", ["文体", "讲座"], "多办活动"),
        ("满意", ["文体"], ""),
        ("基本满意", [], "多办活动"),
        ("不满意", ["志愿"], "楼道灯常坏"),
        ("满意", [], ""),
    ]
    for who, (one, many, text) in zip(people, picks, strict=True):
        assert _answer(client, survey, who, one, many, text).status_code == 302
    again = _answer(client, survey, people[0], "不满意", [])
    assert "已经填写过这份问卷" in _page(again)
    assert Response.objects.count() == 5
    with django_assert_max_num_queries(12):  # the same for 5 answers or 500
        page = client.get(reverse("programs:questionnaire-detail", args=[survey.pk]))
    assert page.context["responses"] == 5
    shown = {r["question"].text: r["options"] for r in page.context["results"]}
    assert [o[:2] for o in shown["总体满意度"]] == [("满意", 3), ("基本满意", 1), ("不满意", 1)]
    assert [str(o[2]) for o in shown["总体满意度"]] == ["60.0", "20.0", "20.0"]
    assert [o[:2] for o in shown["希望增加的活动"]] == [("文体", 2), ("讲座", 1), ("志愿", 1)]
    assert [o[:2] for o in shown["意见建议"]] == [("多办活动", 2), ("楼道灯常坏", 1)]
    html = _page(page)
    assert 'width="60.0"' in html and "楼道灯常坏" in html  # the bar and the written answers


def test_a_household_questionnaire_is_answered_by_households_of_its_place(client, world):
    survey = questionnaire(world.grid, by_household=True)
    home = household(world.grid, head_name="钱")
    elsewhere = household(world.neighbour_grid, head_name="钱")
    client.force_login(world.cast["community_worker"])
    url = reverse("programs:questionnaire-respond", args=[survey.pk])
    found = client.post(url, {"find": "钱", "search": "1"})
    offered = [c.pk for c in found.context["pick"]["found"]]
    assert offered == [home.pk]
    refused = _answer(client, survey, elsewhere, "满意", [])
    assert "请查找并选择填写的户" in _page(refused) and not Response.objects.exists()
    _answer(client, survey, home, "满意", ["讲座"])
    assert Response.objects.get().household == home
    again = client.post(url, {"find": home.number, "search": "1"})
    assert [c.taken for c in again.context["pick"]["found"]] == [True]


def test_an_empty_or_late_response_saves_nothing(client, world):
    survey = questionnaire(world.community)
    who = resident(world.grid, "孙某")
    client.force_login(world.cast["community_worker"])
    empty = _answer(client, survey, who, "", [])
    assert "答卷是空的" in _page(empty)
    late = _answer(client, survey, who, "满意", [], date=(TODAY - 15 * DAY).isoformat())
    assert "不在问卷期间" in _page(late)
    wrong = _answer(client, survey, who, "非常满意", [])
    assert "选择一个有效的选项" in _page(wrong)
    assert not Response.objects.exists()


def test_the_questionnaire_list_keeps_its_query_count(client, world, django_assert_max_num_queries):
    for n in range(4):
        questionnaire(world.community, title=f"问卷{n}")
    questionnaire(world.neighbour_community, title="隔壁的问卷")
    client.force_login(world.cast["community_worker"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("programs:questionnaire-list"))
    assert sorted(q.title for q in page.context["page"]) == [f"问卷{n}" for n in range(4)]
    assert {q.question_count for q in page.context["page"]} == {3}


# --- Access -------------------------------------------------------------------------------------


def test_next_door_sees_none_of_it(client, world):
    heard, meeting, survey = (
        opinion(world.grid),
        deliberation(world.grid),
        questionnaire(world.grid),
    )
    client.force_login(world.outsiders["community_worker"])
    for name, pk in [
        ("programs:opinion-detail", heard.pk),
        ("programs:deliberation-detail", meeting.pk),
        ("programs:deliberation-edit", meeting.pk),
        ("programs:questionnaire-detail", survey.pk),
        ("programs:questionnaire-respond", survey.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    settle = reverse("programs:opinion-settle", args=[heard.pk])
    assert client.post(settle, {"outcome": "已上报"}).status_code == 404
    bulk = {"opinions": [heard.pk], "deliberation": meeting.pk}
    client.post(reverse("programs:opinion-bulk-settle"), bulk)
    assert Opinion.objects.get().outcome == "待处理"
    for name in ("programs:opinion-list", "programs:deliberation-list"):
        assert not client.get(reverse(name)).context["page" if "delib" in name else "rows"]


def test_a_viewer_reads_but_cannot_write(client, world):
    heard, survey = opinion(world.grid), questionnaire(world.grid)
    client.force_login(world.cast["viewer"])
    assert client.get(reverse("programs:opinion-detail", args=[heard.pk])).status_code == 200
    page = client.get(reverse("programs:questionnaire-detail", args=[survey.pk]))
    assert page.status_code == 200 and "录入答卷" not in _page(page)
    writes = [
        reverse("programs:opinion-create"),
        reverse("programs:opinion-settle", args=[heard.pk]),
        reverse("programs:opinion-bulk-settle"),
        reverse("programs:deliberation-create"),
        reverse("programs:questionnaire-create"),
        reverse("programs:questionnaire-respond", args=[survey.pk]),
    ]
    for url in writes:
        assert client.post(url, {"outcome": "已上报"}).status_code == 403, url
    assert Opinion.objects.get().outcome == "待处理"


def test_actions_answer_only_their_method(client, world):
    heard = opinion(world.grid)
    client.force_login(world.cast["community_worker"])
    assert client.get(reverse("programs:opinion-settle", args=[heard.pk])).status_code == 405
    assert client.get(reverse("programs:opinion-bulk-settle")).status_code == 405
    assert client.post(reverse("programs:opinion-list")).status_code == 405
    assert client.delete(reverse("programs:opinion-create")).status_code == 405
