"""The residents import's short path for plain rows (people/importing/residents.py
_plain_row) against the general one: it may leave a row to the general path, but never accepts
a row the general path refuses nor gives other values."""

import datetime
import random

import pytest
from stdnum.cn import ric

from people import importing
from people.importing.residents import RESIDENT_COLUMNS, _plain_row
from people.services import OPTIONAL_RESIDENT_FIELDS
from people.tests.factories import id_for
from people.tests.test_import import run, workbook
from shequ.errors import DomainError
from shequ.xlsx import Row

HEADERS = list(RESIDENT_COLUMNS.values())


def _checked(body: str) -> str:
    """17 digits with their right check character: a number wrong in another way."""
    return body + ric.calc_check_digit(body + "0")


BIRTH = datetime.date(1980, 5, 17)
MAN, WOMAN = id_for(BIRTH, male=True), id_for(BIRTH, male=False)

# Each column's variants: the usual value first, then what a worker's sheet may hold instead.
VARIANTS = [
    ["张三", " 张三 ", "", "   ", "张" * 51, "张" * 50, 3.0],
    [MAN, WOMAN, MAN.lower()[:-1] + "x", f" {MAN} ", MAN[:-1] + "0", MAN[:17], "１" * 18,
     MAN[:6] + "2999" + MAN[10:], "990105" + MAN[6:], float(MAN[:15]), MAN[:6] + "-" + MAN[6:17],
     _checked(MAN[:10] + "0230" + MAN[14:17]), _checked(MAN[:6] + "1870" + MAN[10:17]),
     _checked(MAN[:6] + "20991231" + MAN[14:17]), _checked("99" + MAN[2:17])],
    ["男", "", "女", " 男", "男性", None],
    [BIRTH.isoformat(), "", "  ", "1980/5/17", "1980-05-18", "1980-5-17", BIRTH, "17.5.1980"],
    ["甲一网格", "", "甲二网格", " 甲一网格 ", "别的网格"],
    ["13812345678", "", "138 1234 5678", "+8613812345678", "１３８１２３４５６７８", "12345678901",
     "1381234567", 13812345678.0],
    ["汉族", "", "火星族", " 汉族 "],
    ["初中", "", "博士后", "大学本科"],
    ["群众", "", "中共党员", "党员"],
    ["已婚", "", "未婚", "结婚"],
    ["户籍", "", "流动", "本地"],
    ["", "某公司", "公" * 101, "公" * 100],
    ["", "备注", 7],
]  # fmt: skip


def _general(kind, cells, ctx):
    try:
        return kind._checked_values(cells, ctx)
    except DomainError as exc:
        return exc


def _rows(seed: int, count: int):
    """Every single-column departure from the usual row, then random mixes of them."""
    usual = [variants[0] for variants in VARIANTS]
    yield usual
    for column, variants in enumerate(VARIANTS):
        for variant in variants[1:]:
            yield [*usual[:column], variant, *usual[column + 1 :]]
    rng = random.Random(seed)
    for _ in range(count):
        yield [rng.choice(variants) if rng.random() < 0.3 else variants[0] for variants in VARIANTS]


def test_the_short_path_agrees_with_the_general_one_wherever_it_answers(world):
    assert list(RESIDENT_COLUMNS)[6:] == OPTIONAL_RESIDENT_FIELDS  # the order _plain_row reads
    kind = importing.KINDS["residents"]
    ctx = importing.Context(place=world.community, user=None)
    index = {name: i for i, name in enumerate(HEADERS)}
    positions = tuple(index[name] for name in HEADERS)
    answered = 0
    for number, values in enumerate(_rows(7, 3000), start=2):
        values = ["" if v is None else v for v in values]  # calamine gives "" for an empty cell
        quick = _plain_row(values, positions, ctx)
        if quick is None:
            continue
        answered += 1
        general = _general(kind, Row(number, values, index, HEADERS), ctx)
        assert quick == general, (values, general)
    assert answered > 100  # the short path does answer the usual rows


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("性别", "女", "性别“女”与身份证号码不符"),
        ("出生日期", "  ", "不是日期"),
        ("出生日期", "1980-05-18", "与身份证号码不符"),
        ("手机号码", "12345678901", "手机号码"),
        ("民族", "火星族", "不在可选范围内"),
        ("身份证号码", MAN[:-1] + "0", "校验位"),
        ("所属网格", "别的网格", "不是"),
    ],
)
def test_a_full_width_sheet_with_one_bad_row_is_refused_and_nothing_is_written(
    world, column, value, message
):
    from people.models import Resident

    rows = [
        [f"居民{i}", id_for(BIRTH), "男", BIRTH.isoformat(), "甲一网格", "13800000000", "汉族",
         "初中", "群众", "已婚", "户籍", "", ""]
        for i in range(5)
    ]  # fmt: skip
    rows[3][HEADERS.index(column)] = value
    before = Resident.objects.count()
    plan = run(world, "residents", workbook(HEADERS, rows))
    assert not plan.ok
    assert [p.row for p in plan.problems] == [5]
    assert message in plan.problems[0].message
    assert Resident.objects.count() == before
