"""Pinyin initials of names, for search: "zs" finds 张三. Characters with several readings
(曾 zeng/ceng, 单 shan/dan) give every combination, so either spelling finds the name."""

from itertools import islice, product

from pypinyin import Style, pinyin

MAX_VARIANTS = 8


def initials(name: str) -> str:
    """Space-separated variants with a leading and trailing space: " zs cs "."""
    readings = pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    letters = [sorted({r.lower() for r in options if r.isascii()}) or [""] for options in readings]
    variants = ["".join(combo) for combo in islice(product(*letters), MAX_VARIANTS)]
    unique = list(dict.fromkeys(v for v in variants if v))
    return f" {' '.join(unique)} " if unique else ""
