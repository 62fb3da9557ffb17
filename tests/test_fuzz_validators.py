"""Every validator of the project against arbitrary input (hypothesis): it answers with a
value or with its own Chinese refusal (DomainError, or Django's ValidationError where Django
calls it), never with anything else; and every valid value generated is accepted as it is."""

from __future__ import annotations

import datetime
import re
import string
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from shequ.errors import DomainError

FUZZ = settings(max_examples=50, deadline=None)
CJK = re.compile(r"[\u4e00-\u9fff]")

# Text as it arrives from a form or a spreadsheet cell: any characters, numbers-in-text, the
# separators people type, and very long values.
junk = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"[0-9Xx\- +()（）/.年月日:：,，]{0,40}", fullmatch=True),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.text(alphabet="0123456789", min_size=4301, max_size=4400),  # past int()'s limit
    st.just("９" * 30),
)


def _refused_in_chinese(call, *args, **kwargs):
    """The call's value, or None when it refused in Chinese."""
    try:
        return call(*args, **kwargs)
    except DomainError as exc:
        assert CJK.search(exc.message), exc.message
    except ValidationError as exc:
        assert all(CJK.search(m) for m in exc.messages), exc.messages
    return None


# --- ID numbers ---------------------------------------------------------------------------------

PROVINCES = ["11", "31", "32", "33", "44", "51", "65"]
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 12, 31))


@FUZZ
@given(raw=junk)
def test_id_number_parse_refuses_junk_in_chinese(raw):
    from people import idnumber

    _refused_in_chinese(idnumber.parse, raw)


@FUZZ
@given(
    province=st.sampled_from(PROVINCES),
    county=st.from_regex(r"[0-9]{4}", fullmatch=True),
    birth=births,
    sequence=st.integers(0, 999),
    male=st.booleans(),
    spaced=st.booleans(),
)
def test_a_generated_id_number_is_accepted_with_its_birth_date_and_sex(
    province, county, birth, sequence, male, spaced
):
    from people import idnumber

    number = idnumber.make(province + county, birth, sequence, male=male)
    typed = f"{number[:6]} {number[6:14]} {number[14:].lower()}" if spaced else number
    parsed = idnumber.parse(typed)
    assert parsed.number == number.upper()
    assert parsed.birth_date == birth
    assert parsed.sex == ("男" if male else "女")


@FUZZ
@given(province=st.sampled_from(PROVINCES), birth=births, sequence=st.integers(0, 999))
def test_a_fifteen_digit_number_becomes_its_eighteen_digit_form(province, birth, sequence):
    from people import idnumber

    if birth.year >= 2000:
        birth = birth.replace(year=1900 + birth.year % 100)
    old = f"{province}0101{birth:%y%m%d}{sequence:03d}"
    parsed = idnumber.parse(old)
    body = f"{province}0101{birth:%Y%m%d}{sequence:03d}"
    assert parsed.number == body + ric.calc_check_digit(body + "0")
    assert parsed.birth_date == birth


# --- Phones, credit codes -----------------------------------------------------------------------


@FUZZ
@given(raw=junk)
def test_a_mobile_number_is_normalised_or_refused_in_chinese(raw):
    from people.phones import normalise_mobile

    value = _refused_in_chinese(normalise_mobile, raw)
    assert value is None or value == "" or re.fullmatch(r"1[3-9][0-9]{9}", value)


@FUZZ
@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    prefix=st.sampled_from(["", "+86", "0086", "+86-"]),
    wide=st.booleans(),
    spaced=st.booleans(),
)
def test_a_mobile_number_typed_any_usual_way_is_accepted(number, prefix, wide, spaced):
    from people.phones import normalise_mobile

    typed = f"{number[:3]} {number[3:7]} {number[7:]}" if spaced else number
    if wide:  # a Chinese input method's full-width digits
        typed = typed.translate({ord(d): 0xFF10 + int(d) for d in string.digits})
    assert normalise_mobile(prefix + typed) == number


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@FUZZ
@given(raw=junk)
def test_a_credit_code_is_checked_or_refused_in_chinese(raw):
    from areas.registry import clean_credit_code

    value = _refused_in_chinese(clean_credit_code, raw)
    assert value is None or value == "" or uscc.is_valid(value)


@FUZZ
@given(
    head=st.from_regex(r"[0-9]{8}", fullmatch=True),
    body=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
    lower=st.booleans(),
)
def test_a_generated_credit_code_is_accepted(head, body, lower):
    from areas.registry import clean_credit_code

    code = head + body
    code += uscc.calc_check_digit(code)
    assert clean_credit_code(f" {code.lower() if lower else code} ") == code


# --- Amounts, counts, dates and times -----------------------------------------------------------


@FUZZ
@given(raw=st.one_of(junk, st.none()))
def test_an_amount_is_read_or_refused_in_chinese(raw):
    from programs.services import MAX_AMOUNT, amount

    value = _refused_in_chinese(amount, raw, "金额", "amount")
    assert value is None or Decimal(0) <= value <= MAX_AMOUNT


@FUZZ
@given(
    value=st.decimals(min_value=0, max_value=Decimal("9999999999"), places=2),
    thousands=st.booleans(),
)
def test_a_plain_amount_is_accepted_as_typed(value, thousands):
    from programs.services import amount

    typed = f"{value:,.2f}" if thousands else f"{value:.2f}"
    assert amount(typed, "金额", "amount") == value


@FUZZ
@given(raw=junk)
def test_a_work_record_amount_and_head_count_from_a_sheet_are_read_or_refused(raw):
    from ledger import importing

    _refused_in_chinese(importing._amount, raw.strip(), "宣传资料")
    _refused_in_chinese(importing._head_count, raw.strip())
    _refused_in_chinese(importing._time, raw, "开始时间")


@FUZZ
@given(count=st.integers(0, 100_000), start=st.times().map(lambda t: t.replace(microsecond=0)))
def test_a_head_count_and_a_time_written_plainly_are_accepted(count, start):
    from ledger import importing

    assert importing._head_count(str(count)) == count
    assert importing._time(start.strftime("%H:%M:%S"), "开始时间") == start
    assert importing._time(start, "开始时间") == start


cell = st.one_of(
    junk,
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    st.datetimes(),
    st.booleans(),
)


@FUZZ
@given(value=cell)
def test_a_date_cell_is_read_or_refused_in_chinese(value):
    from shequ import xlsx

    result = _refused_in_chinese(xlsx.date, value)
    assert result is None or isinstance(result, datetime.date)
    assert isinstance(xlsx.text(value), str)


@FUZZ
@given(
    day=st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)),
    style=st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]),
)
def test_a_date_written_any_usual_way_is_accepted(day, style):
    from shequ import xlsx

    assert xlsx.date(day.strftime(style)) == day
    assert xlsx.date(datetime.datetime.combine(day, datetime.time(8))) == day


# --- Questionnaires typed as text ---------------------------------------------------------------


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.from_regex(
            r"(\d[.、] ?\S{1,9}(\[(单选|多选|文字)\])?\n([A-D]\. ?\S{1,5}\n){0,3}\n){1,4}",
            fullmatch=True,
        ),
    )
)
def test_a_typed_questionnaire_is_read_or_refused_in_chinese(text):
    from programs.forms import parse_questions

    questions = _refused_in_chinese(parse_questions, text)
    assert questions is None or all(isinstance(q.text, str) for q in questions)


# --- Passwords ----------------------------------------------------------------------------------

_symbols = "!@#$%^&*-_=+.?"


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.text(max_size=80))
@pytest.mark.django_db
def test_any_password_is_accepted_or_refused_in_chinese(world, raw):
    from django.contrib.auth.password_validation import validate_password

    _refused_in_chinese(validate_password, raw, world.cast["community_worker"])


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.tuples(
        st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=6),
        st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8),
        st.text(alphabet=string.digits, min_size=2, max_size=6),
        st.text(alphabet=_symbols, min_size=1, max_size=3),
    ),
    order=st.permutations(range(4)),
)
@pytest.mark.django_db
def test_a_password_of_three_kinds_of_character_is_accepted(world, parts, order):
    from django.contrib.auth.password_validation import validate_password

    password = "".join(parts[i] for i in order)
    validate_password(password, world.cast["community_worker"])  # raises if refused
