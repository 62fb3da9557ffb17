"""The residents' own page for requests (居民自助报事): filing, looking up and rating with a
tracking code, without an account. Bad input and floods change nothing; a resident sees their
own request and nothing else."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from cases import services
from cases.flows import SATISFIED
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
