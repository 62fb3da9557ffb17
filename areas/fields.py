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
    """A materialized place path. Compared byte by byte on every database (SQLite's default
    BINARY collation; the "C" collation on PostgreSQL), so a subtree is a range of one ordinary
    index. Models declare that index themselves (see areas.models.Placed), which spares
    PostgreSQL the second, pattern-ops index Django adds to every indexed CharField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


@PlacePathField.register_lookup
class Under(Lookup):
    """`path__under="/3/17/"`: the place /3/17/ and everything below it; `""` means everywhere.
    A range, not LIKE: every path below /3/17/ sorts between "/3/17/" and "/3/170"."""

    lookup_name = "under"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not isinstance(self.rhs, str):
            raise TypeError("path__under takes a path string")
        if self.rhs == "":
            return "1 = 1", []
        return (
            f"({lhs} >= %s AND {lhs} < %s)",
            [*lhs_params, self.rhs, *lhs_params, upper_bound(self.rhs)],
        )


@models.CharField.register_lookup
class Prefix(Lookup):
    """`name__prefix="王"`: values that start with the text, served by an index on either
    database: a range on SQLite (whose LIKE … ESCAPE cannot use one), LIKE 'text%' on PostgreSQL
    (with a varchar_pattern_ops index, see people.Resident)."""

    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs = str(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, rhs, *lhs_params, rhs + "\U0010ffff"]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        escaped = str(self.rhs).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
