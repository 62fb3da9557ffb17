"""Pinyin initials of names, for search: "zs" finds 张三.

A surname is read as a surname (曾 zeng, 单 shan, 解 xie, 区 ou), which is often not the
character's everyday reading; so a name gets two keys when the two differ: "zxx" and "cxx" both
find 曾小贤. The given name is read the usual way only, which keeps a search from matching
unrelated names. Both keys are plain indexed columns, searched by prefix."""

from __future__ import annotations

import functools
import os
from typing import NamedTuple

# The initial of a surname's reading where it differs from the character's everyday reading
# (pypinyin's usual one); compound surnames are read as a pair.
COMPOUND_SURNAMES = {"尉迟": "yc", "万俟": "mq", "单于": "cy", "澹台": "tt"}
SURNAME_LETTERS = {
    "曾": "z", "单": "s", "解": "x", "区": "o", "查": "z", "仇": "q", "乐": "y", "繁": "p",
    "种": "c", "覃": "q", "秘": "b", "翟": "z", "阚": "k", "折": "s", "佴": "n", "粘": "n",
    "藏": "z", "乜": "n", "不": "f", "重": "c", "蕃": "p", "句": "g", "隗": "w", "召": "s",
    "祭": "z",
}  # fmt: skip


class Initials(NamedTuple):
    usual: str  # the surname read as a surname: "zxx"
    other: str  # the surname read the everyday way, when that differs: "cxx"; else ""


@functools.lru_cache(maxsize=20000)
def _letter(char: str) -> str:
    """The initial of a character's everyday reading ("" for none); cached, since names
    repeat characters."""
    # Loaded on first use, not by every process that imports this module (an import's checking
    # process never needs it); and without pypinyin's phrase dictionary, which single
    # characters don't use and which takes ~45 MB of the ~65 MB it would otherwise cost.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0].lower() if letters and letters[0].isascii() else ""


def initials(name: str) -> Initials:
    chars = [char for char in name if not char.isspace()]
    letters = [_letter(char) for char in chars]
    everyday = "".join(letters)
    if "".join(chars[:2]) in COMPOUND_SURNAMES:
        usual = COMPOUND_SURNAMES["".join(chars[:2])] + "".join(letters[2:])
    elif chars and chars[0] in SURNAME_LETTERS:
        usual = SURNAME_LETTERS[chars[0]] + "".join(letters[1:])
    else:
        usual = everyday
    return Initials(usual, everyday if everyday != usual else "")
