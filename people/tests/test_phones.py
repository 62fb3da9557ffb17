import pytest

from people.phones import normalise_mobile
from shequ.errors import DomainError


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width, as a Chinese input method types
        ("13８1234 5678", "13812345678"),
        ("", ""),
    ],
)
def test_a_mobile_is_stored_as_eleven_ascii_digits(typed, stored):
    assert normalise_mobile(typed) == stored


@pytest.mark.parametrize("typed", ["12345678901", "1381234567", "١٣٨١٢٣٤٥٦٧٨", "138123456789"])
def test_anything_else_is_refused_in_chinese(typed):
    with pytest.raises(DomainError, match="应为1开头的11位数字"):
        normalise_mobile(typed)
