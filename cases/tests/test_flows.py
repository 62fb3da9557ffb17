"""Every kind walked through every allowed path, and refused every disallowed action."""

import datetime

import pytest
from django.utils import timezone

from audit.actions import ACTION_LABELS
from audit.models import AuditEntry
from cases import services
from cases.flows import FLOWS, SATISFIED, UNSATISFIED
from cases.models import Case
from cases.services import _AUDIT_ACTIONS, ConflictError, DomainError
from cases.tests.factories import open_case
from people.models import Membership


def _inputs(world, case, action, rating=SATISFIED):
    """What an action needs to be accepted."""
    values = {"note": "已处理"}
    if action.code == "assign":
        values["assignee"] = world.cast["community_head"]
    if "rating" in action.asks:
        values["rating"] = rating
    return values


def _take(world, case, code, **values):
    action = case.flow.action(code)
    return services.act(
        case,
        code,
        by=world.cast["community_head"],
        version=case.version,
        **{**_inputs(world, case, action), **values},
    )


@pytest.mark.parametrize("kind", list(FLOWS))
def test_every_reachable_state_allows_its_actions_and_refuses_the_rest(world, kind):
    """Breadth-first over the flow: from each state reached, every allowed action is taken
    (on a fresh case brought to that state) and every other action is refused, changing
    nothing."""
    flow = FLOWS[kind]
    paths: dict[str, list[tuple[str, str]]] = {flow.initial: []}
    queue = [flow.initial]
    n = 0
    while queue:
        state = queue.pop(0)
        for action in flow.actions:
            ratings = [SATISFIED, UNSATISFIED] if "rating" in action.asks else [SATISFIED]
            for rating in ratings:
                n += 1
                case = _bring(world, kind, paths[state], n)
                assert case.state == state
                before = (case.version, case.events.count(), AuditEntry.objects.count())
                values = _inputs(world, case, action, rating)
                if action in flow.allowed(state):
                    done = services.act(
                        case,
                        action.code,
                        by=world.cast["community_head"],
                        version=case.version,
                        **values,
                    )
                    assert done.state == (action.target_for(rating) or state)
                    # One row per change; ending a supervision file also ends the membership.
                    ends = action.marks_closed and flow.supervision
                    assert AuditEntry.objects.count() == before[2] + 1 + ends
                    assert done.version == before[0] + 1
                    assert done.events.count() == before[1] + 1
                    last = done.events.last()
                    assert (last.action, last.state) == (action.code, done.state)
                    if done.state not in paths:
                        paths[done.state] = [*paths[state], (action.code, rating)]
                        queue.append(done.state)
                else:
                    with pytest.raises(DomainError):
                        services.act(
                            case,
                            action.code,
                            by=world.cast["community_head"],
                            version=case.version,
                            **values,
                        )
                    case.refresh_from_db()
                    after = (case.version, case.events.count(), AuditEntry.objects.count())
                    assert (case.state, *after) == (state, *before)
    assert set(paths) == set(flow.states), "every declared state is reachable"


def _bring(world, kind, path, n):
    """A fresh case of `kind` taken along `path` (a list of action codes with ratings)."""
    subject = None
    if FLOWS[kind].supervision:
        from people.tests.factories import resident

        subject = resident(
            world.grid, f"对象{n}", birth=datetime.date(1960, 1, 1) + (datetime.timedelta(days=n))
        )
    case = open_case(world, kind, subject=subject)
    for code, rating in path:
        case = _take(world, case, code, rating=rating) if rating else _take(world, case, code)
    return case


def test_a_request_goes_round_again_when_the_resident_is_not_satisfied(world):
    case = open_case(world, "诉求")
    for code in ("assign", "start", "finish"):
        case = _take(world, case, code)
    assert case.done_at is not None
    with pytest.raises(DomainError, match="回访完成后才能结案"):
        _take(world, case, "close")
    case = _take(world, case, "follow_up", rating=UNSATISFIED, note="还在漏水")
    assert (case.state, case.done_at, case.rating) == ("处理中", None, UNSATISFIED)
    case = _take(world, case, "finish", note="更换了阀门")
    case = _take(world, case, "follow_up", rating=SATISFIED)
    case = _take(world, case, "close")
    assert case.state == "已结案" and case.closed_at is not None and case.rating == SATISFIED
    labels = list(case.events.values_list("label", flat=True))
    assert labels == ["受理", "派单", "开始处理", "办结", "回访", "办结", "回访", "结案"]


def test_an_unsatisfied_follow_up_by_a_worker_needs_the_reason(world):
    case = open_case(world, "诉求")
    for code in ("assign", "finish"):
        case = _take(world, case, code)
    with pytest.raises(DomainError, match="居民不满意时请记下原因"):
        _take(world, case, "follow_up", rating=UNSATISFIED, note="")


def test_a_petition_gets_its_statutory_periods_and_one_extension(world):
    case = open_case(world, "信访")
    received = timezone.localtime(case.received_at).date()
    assert case.due == received + datetime.timedelta(days=15)
    case = _take(world, case, "accept")
    today = timezone.localdate()
    assert case.due == today + datetime.timedelta(days=60)
    case = _take(world, case, "extend", note="需现场勘查")
    assert case.due == today + datetime.timedelta(days=90)
    with pytest.raises(DomainError, match="已延期过一次"):
        _take(world, case, "extend", note="再延")
    case = _take(world, case, "reply", note="已答复")
    assert case.on_time is True
    case = _take(world, case, "close")
    assert case.state == "已办结"


def test_a_rejected_petition_is_closed_with_its_reason(world):
    case = open_case(world, "信访")
    with pytest.raises(DomainError, match="不予受理的理由"):
        _take(world, case, "reject", note="")
    case = _take(world, case, "reject", note="不属于信访受理范围")
    assert case.state == "不予受理" and case.closed_at is not None


def test_a_dispute_records_whether_mediation_reached_agreement(world):
    agreed = open_case(world, "纠纷")
    for code in ("mediate", "mediate", "agree", "close"):
        agreed = _take(world, agreed, code)
    failed = open_case(world, "纠纷")
    for code in ("mediate", "fail", "close"):
        failed = _take(world, failed, code)
    assert (agreed.agreed, failed.agreed) == (True, False)
    assert agreed.events.filter(action="mediate").count() == 2


def test_a_supervision_file_registers_and_ends_the_group_membership(world):
    case = open_case(world, "矫正", category="缓刑", team="张书记、李民警")
    membership = case.membership
    assert membership.category.code == "correction" and membership.end is None
    assert membership.attributes["correction_type"] == "缓刑"
    for code in ("visit", "talk", "education", "guardian", "report"):
        case = _take(world, case, code, note=f"{code}情况")
    with pytest.raises(DomainError, match="已有在办的社区矫正档案"):
        open_case(world, "矫正", subject=case.subject)
    case = _take(world, case, "end", note="矫正期满")
    assert Membership.objects.get(pk=membership.pk).end == timezone.localdate()
    assert case.events.count() == 7


def test_a_supervision_file_reuses_a_current_membership(world):
    first = open_case(world, "帮教")
    _take(world, first, "end", note="期满")
    again = open_case(world, "帮教", subject=first.subject)
    assert again.membership_id != first.membership_id


def test_a_plain_worker_may_not_open_or_be_given_a_supervision_file(world):
    worker = world.cast["community_worker"]
    with pytest.raises(DomainError, match="无权建立社区矫正档案"):
        open_case(world, "矫正", by=worker)
    with pytest.raises(DomainError, match="承办人应是能办理"):
        open_case(world, "矫正", assignee=worker)
    assert not Case.objects.exists()


def test_an_action_from_an_out_of_date_page_is_refused_and_changes_nothing(world):
    case = open_case(world, "诉求")
    seen = case.version
    _take(world, case, "assign")
    stale = Case.objects.get(pk=case.pk)
    with pytest.raises(ConflictError, match="刚被他人更新"):
        services.act(stale, "start", by=world.cast["community_worker"], version=seen, note="")
    stale.refresh_from_db()
    assert stale.state == "已派单" and stale.events.count() == 2


def test_a_due_date_before_receipt_and_other_bad_input_are_refused(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=2)
    refused = [
        ({"due": yesterday}, "办理期限不能早于受理日期"),
        ({"title": " "}, "请填写事由"),
        ({"category": "外星人"}, "请选择类别"),
        ({"channel": "飞鸽"}, "请选择来源渠道"),
        ({"received_at": timezone.now() + datetime.timedelta(days=1)}, "受理时间不能晚于现在"),
        ({"place": world.other_community}, "只能登记本辖区的案件"),
        ({"place": world.subdistrict}, "在用的社区或网格"),
        ({"reporter_phone": "12345"}, "应为1开头的11位数字"),
        ({"assignee": world.outsiders["community_worker"]}, "承办人应是能办理"),
        ({"assignee": world.cast["viewer"]}, "承办人应是能办理"),
    ]
    for changes, message in refused:
        with pytest.raises(DomainError, match=message):
            open_case(world, "诉求", **changes)
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="case.open").exists()


def test_every_action_has_an_audit_label():
    written = {"case." + name for name in _AUDIT_ACTIONS.values()}
    assert written and all(a in ACTION_LABELS for a in written)
    for flow in FLOWS.values():
        assert all(a.code in _AUDIT_ACTIONS or not a.target for a in flow.actions)


def test_an_action_entered_later_keeps_when_it_happened(world):
    worker = world.cast["community_worker"]
    received = timezone.now() - datetime.timedelta(days=10)
    case = open_case(world, "诉求", received_at=received, assignee=worker)
    friday = received + datetime.timedelta(days=3)
    case = services.act(case, "finish", by=worker, version=case.version, note="修好", at=friday)
    assert case.done_at == friday and case.events.last().at == friday
    assert case.on_time is True
    for when, message in [
        (timezone.now() + datetime.timedelta(days=1), "发生时间不能晚于现在"),
        (received + datetime.timedelta(days=1), "发生时间不能早于上一步"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.act(case, "note", by=worker, version=case.version, note="x", at=when)
    assert case.events.count() == 3


def test_the_one_extension_is_no_longer_offered_once_taken(world):
    case = open_case(world, "信访")
    case = _take(world, case, "accept")
    assert "extend" in [a.code for a in services.available(case)]
    case = _take(world, case, "extend", note="需勘查")
    assert "extend" not in [a.code for a in services.available(case)]


def test_whoever_mediates_first_is_the_mediator(world):
    case = open_case(world, "纠纷")
    assert case.assignee is None
    case = services.act(
        case, "mediate", by=world.cast["community_worker"], version=case.version, note="第一次"
    )
    assert case.assignee == world.cast["community_worker"]


def test_the_membership_a_file_follows_ends_only_with_the_file(world):
    from people import services as people_services

    case = open_case(world, "矫正")
    head = world.cast["community_head"]
    with pytest.raises(DomainError, match="请先在档案中登记解除"):
        people_services.end_membership(case.membership, end=timezone.localdate(), by=head)
    with pytest.raises(DomainError, match="请先在档案中登记解除"):
        people_services.move_out(case.subject, on=timezone.localdate(), by=head)
    case.membership.refresh_from_db()
    assert case.membership.end is None
    case = _take(world, case, "end", note="期满")
    assert Membership.objects.get(pk=case.membership_id).end == timezone.localdate()


def test_a_case_moves_only_within_its_community(world):
    case = open_case(world, "诉求")
    data = services.CaseData(
        kind="诉求",
        title=case.title,
        place=world.neighbour_community,
        category=case.category,
        received_at=case.received_at,
        channel=case.channel,
    )
    with pytest.raises(DomainError, match="案件只能在本社区内调整网格"):
        services.update_case(case, data, by=world.cast["subdistrict_admin"], version=case.version)
    assert Case.objects.get(pk=case.pk).place == world.grid
