"""Pinyin initials of names, for search: "zs" finds 张三. A surname with several readings
(曾 zeng/ceng, 单 shan/dan) gives each of them, so either spelling finds the name; the given
name is read the usual way only, which keeps searches from matching unrelated names."""

import functools
import os

MAX_VARIANTS = 8


@functools.lru_cache(maxsize=20000)
def _letters(char: str) -> tuple[str, ...]:
    """The initials a character may be read with, its usual reading first; cached, since names
    repeat characters."""
    # Loaded on first use, not by every process that imports this module (an import's checking
    # process never needs it); and without pypinyin's phrase dictionary, which single
    # characters don't use and which takes ~45 MB of the ~65 MB it would otherwise cost.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin, pinyin

    usual = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    letters = [r.lower() for r in usual + (readings[0] if readings else []) if r.isascii()]
    return tuple(dict.fromkeys(letters)) or ("",)


def initials(name: str) -> str:
    """Space-separated variants with a leading and trailing space: " zs " or " zxx cxx "."""
    chars = [char for char in name if not char.isspace()]
    if not chars:
        return ""
    surname = _letters(chars[0])[:MAX_VARIANTS]
    rest = "".join(_letters(char)[0] for char in chars[1:])
    variants = [f"{first}{rest}" for first in surname if f"{first}{rest}"]
    return f" {' '.join(variants)} " if variants else ""
