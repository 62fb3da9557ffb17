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
