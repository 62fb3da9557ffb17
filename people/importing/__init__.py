"""Importing the spreadsheets a community already keeps: residents, households (with their
members), dwellings, local units and special-group memberships.

A file is checked whole before anything is written: every row, every column, duplicates inside
the file and against the database, place references within the importing user's scope. Only a
file without a single error is committed, in one transaction, with one audit row. Importing the
same file again changes nothing: rows are matched by ID number, credit code, household number or
address, and unchanged rows are left alone. The same code serves the web page and
`shequ import`; other apps add their kinds with `register()` (work records: ledger/importing.py)."""

from people.importing.base import (
    CHUNK,
    Context,
    Header,
    Kind,
    Plan,
    Problem,
    check_file,
    error_report,
    import_file,
    template,
)
from people.importing.households import HouseholdsImport
from people.importing.memberships import MembershipsImport
from people.importing.premises import DwellingsImport, UnitsImport
from people.importing.residents import (
    ResidentsImport,
    finish_import,
    registered_id_numbers,
    resident_sink,
    write_residents,
)

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        ResidentsImport(),
        HouseholdsImport(),
        DwellingsImport(),
        UnitsImport(),
        MembershipsImport(),
    )
}


def register(kind: Kind) -> None:
    """Offer another app's kind on the import page and in `shequ import` (people cannot import
    the other apps, so they register theirs from their AppConfig.ready())."""
    KINDS[kind.code] = kind


__all__ = [
    "CHUNK",
    "KINDS",
    "Context",
    "Header",
    "Kind",
    "Plan",
    "Problem",
    "check_file",
    "error_report",
    "finish_import",
    "import_file",
    "register",
    "registered_id_numbers",
    "resident_sink",
    "template",
    "write_residents",
]
