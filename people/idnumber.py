"""Resident ID numbers (居民身份证号码): checked with python-stdnum, 15-digit numbers of the
first generation converted to 18 digits, birth date and sex read from the number."""

from __future__ import annotations

import datetime
import functools
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

from people.choices import Sex
from shequ.errors import DomainError


class IdNumber(NamedTuple):  # a tuple: an import makes one per row
    number: str  # 18 characters, the check character upper-case
    birth_date: datetime.date
    sex: str  # Sex value


def _province_known(number: str) -> bool:
    return _province(number[:2])


@functools.lru_cache(maxsize=128)
def _province(code: str) -> bool:
    return any("province" in props for _, props in numdb.get("cn/loc").info(code + "0000"))


def _from_15(number: str) -> str:
    """First-generation numbers: a two-digit year, no check character. Everyone holding one
    was born in the 1900s."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def parse(raw: str, *, today: datetime.date | None = None) -> IdNumber:
    """The normalised number with its birth date and sex, or a DomainError saying in Chinese
    what is wrong. Imports pass `today` once rather than asking the clock per row."""
    number = str(raw or "").replace(" ", "").replace("-", "").strip().upper()
    if len(number) == 15 and number.isdigit():
        number = _from_15(number)
    if len(number) != 18:
        raise DomainError(_("身份证号码应为18位（或旧式15位），这里是%(n)d位") % {"n": len(number)})
    if not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise DomainError(_("身份证号码前17位应为数字，末位为数字或X"))
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError(_("身份证号码中的出生日期%(d)s不存在") % {"d": number[6:14]}) from None
    if birth > (today or timezone.localdate()):
        raise DomainError(_("身份证号码中的出生日期晚于今天"))
    if birth.year < 1880:
        raise DomainError(_("身份证号码中的出生日期不合理"))
    if number[17] != ric.calc_check_digit(number):
        raise DomainError(_("身份证号码校验位不正确，请核对"))
    # python-stdnum's own validate() also wants the county code to have existed in the birth
    # year, which refuses real numbers: people born before their district was (re)coded carry
    # its current code. Only the province is checked here.
    if not _province_known(number):
        raise DomainError(_("身份证号码前两位（省份代码）%(code)s不存在") % {"code": number[:2]})
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return IdNumber(number, birth, sex)


@functools.lru_cache(maxsize=65536)
def _birth(digits: str) -> datetime.date | None:
    """The date written YYYYMMDD, or None when there is no such day; cached (an import of
    100,000 people holds some 30,000 birth dates)."""
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def parse_plain(number: str, today: datetime.date) -> IdNumber | None:
    """parse() for the usual case, an import's plain row: `number` already 18 ASCII characters
    without blanks. The same checks and the same answer as parse(), or None wherever parse()
    would change the text or refuse it (it then words the error). About a third of parse()'s
    time."""
    if not (number[:17].isdigit() and number.isascii()):
        return None
    birth = _birth(number[6:14])
    if birth is None or birth > today or birth.year < 1880:
        return None
    if number[17] != ric.calc_check_digit(number) or not _province(number[:2]):
        return None
    return IdNumber(number, birth, Sex.MALE if int(number[16]) % 2 else Sex.FEMALE)


def make(region: str, birth: datetime.date, sequence: int, *, male: bool) -> str:
    """A valid number for demo data and tests: region code, birth date, a sequence whose last
    digit carries the sex, and the check character."""
    seq = sequence % 1000
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
        if (seq % 2 == 1) != male:
            seq = (seq + 1) % 1000
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")
