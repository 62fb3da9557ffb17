from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "shequ.css"


def test_every_css_block_is_closed_where_it_is_opened():
    """A block left open (say, a lost brace in a merge) turns every later rule into a phone-only
    rule; each top-level rule starts at depth 0, and the file ends there."""
    depth = 0
    for number, line in enumerate(CSS.read_text().splitlines(), start=1):
        if line.strip() and not line.startswith((" ", "}", "/*")):
            assert depth == 0, f"shequ.css:{number} starts a rule inside an open block"
        depth += line.count("{") - line.count("}")
    assert depth == 0
