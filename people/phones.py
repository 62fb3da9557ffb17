"""Mobile numbers, stored as the 11 digits alone."""

import re
import unicodedata

from django.utils.translation import gettext as _

from shequ.errors import DomainError

_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def normalise_mobile(raw: str) -> str:
    """'138 1234 5678', '+86-13812345678' → '13812345678'; '' stays ''."""
    if len(raw) == 11 and raw.isascii() and _MOBILE.match(raw):
        return raw  # the usual case, without the clean-up below
    # A Chinese input method may type full-width digits (１３８…): NFKC makes them ASCII, so
    # the number is stored, and found again, as anyone would type it.
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", str(raw or "")))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if digits == "":
        return ""
    if not _MOBILE.match(digits):
        raise DomainError(_("手机号码“%(raw)s”不正确，应为1开头的11位数字") % {"raw": raw})
    return digits
