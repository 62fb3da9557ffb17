"""The place path and its `under` lookup: everything at or below a place in one indexed scan.

A path is made of '/'-terminated segments of place ids ("/3/17/204/"), so a subtree is every path
that starts with its root's path. Records in every app carry such a path (DESIGN.md rule 3).
"""

from django.db import models
from django.db.models import Lookup


def upper_bound(prefix: str) -> str:
    """The smallest string above every path starting with `prefix`: its last '/' raised to '0'."""
    if not prefix.endswith("/"):
        raise ValueError(f"a place path ends with '/': {prefix!r}")
    return prefix[:-1] + "0"


class PlacePathField(models.CharField):
    """A materialized place path, indexed for subtree scans."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


@PlacePathField.register_lookup
class Under(Lookup):
    """`path__under="/3/17/"`: the place /3/17/ and everything below it; `""` means everywhere."""

    lookup_name = "under"
    prepare_rhs = False

    def _prefix(self) -> str:
        if not isinstance(self.rhs, str):
            raise TypeError("path__under takes a path string")
        return self.rhs

    def as_sql(self, compiler, connection):
        # On SQLite, startswith compiles to LIKE … ESCAPE, which cannot use the index; a range on
        # the path can (SQLite compares text byte by byte, where '/' sorts just below '0').
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self._prefix()
        if prefix == "":
            return "1 = 1", []
        return (
            f"({lhs} >= %s AND {lhs} < %s)",
            [*lhs_params, prefix, *lhs_params, upper_bound(prefix)],
        )

    def as_postgresql(self, compiler, connection):
        # PostgreSQL's collation may not order '/' below digits; a LIKE with a literal prefix uses
        # the varchar_pattern_ops index Django creates beside every db_index CharField.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self._prefix()
        if prefix == "":
            return "1 = 1", []
        return f"{lhs} LIKE %s", [*lhs_params, prefix + "%"]
