from people.pinyin import initials


def test_a_surname_is_read_as_a_surname_and_also_the_everyday_way():
    assert initials("张三") == ("zs", "")
    assert initials("曾小贤") == ("zxx", "cxx")
    assert initials("单雄信") == ("sxx", "dxx")
    assert initials("尉迟恭") == ("ycg", "wcg")
    assert initials("欧阳 修") == ("oyx", "")


def test_a_given_name_is_read_only_the_usual_way():
    # 乐 as a surname is yue; in a given name it keeps its everyday reading (le).
    assert initials("乐乐") == ("yl", "ll")
    assert initials("王") == ("w", "")
    assert initials("") == ("", "")


def test_the_surname_table_lists_only_readings_that_differ_from_the_everyday_one():
    from people.pinyin import COMPOUND_SURNAMES, SURNAME_LETTERS, _letter

    assert all(_letter(char) != letter for char, letter in SURNAME_LETTERS.items())
    assert all(
        "".join(_letter(c) for c in pair) != letters for pair, letters in COMPOUND_SURNAMES.items()
    )
