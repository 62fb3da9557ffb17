"""Pinyin initials of names, for search: "zs" finds 张三. Characters with several readings
(曾 zeng/ceng, 单 shan/dan) give every combination, so either spelling finds the name."""

import functools
import os
from itertools import islice, product

MAX_VARIANTS = 8


@functools.lru_cache(maxsize=20000)
def _letters(char: str) -> tuple[str, ...]:
    """The initials a character may be read with; names repeat characters, so this is cached."""
    # Loaded on first use, not by every process that imports this module (an import's checking
    # process never needs it); and without pypinyin's phrase dictionary, which single
    # characters don't use and which takes ~45 MB of the ~65 MB it would otherwise cost.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    if not readings:
        return ("",)
    return tuple(sorted({r.lower() for r in readings[0] if r.isascii()})) or ("",)


def initials(name: str) -> str:
    """Space-separated variants with a leading and trailing space: " zs cs "."""
    letters = [_letters(char) for char in name if not char.isspace()]
    variants = ["".join(combo) for combo in islice(product(*letters), MAX_VARIANTS)]
    unique = list(dict.fromkeys(v for v in variants if v))
    return f" {' '.join(unique)} " if unique else ""
