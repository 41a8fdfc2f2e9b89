"""Pinyin of names: search by initials, and names that sound alike for the duplicate queue.

Given Chinese names, when their pinyin is taken, then the initials and full pinyin are those a
social worker types, surnames read as surnames, and names that a clerk may have written with a
different character of the same sound are recognised as sounding alike.
"""

from shegong.recipients import pinyin


def test_initials_and_full_pinyin():
    assert pinyin.initials("张三") == "zs"
    assert pinyin.full("张三") == "zhangsan"
    assert pinyin.full("刘德华") == "liudehua"
    assert pinyin.syllables(" 王小明 ") == ("wang", "xiao", "ming")


def test_tones_are_dropped():
    assert pinyin.full("李秀英") == "lixiuying"
    assert pinyin.full("吕布") == "lvbu"  # ü is written v, as people type it


def test_surnames_read_as_surnames():
    # 单 reads "dan" (单位) but "shan" as a surname; 曾 reads "ceng" (曾经) but "zeng" as a surname.
    assert pinyin.full("单田芳") == "shantianfang"
    assert pinyin.full("简单") == "jiandan"
    assert pinyin.initials("曾国藩") == "zgf"
    assert pinyin.full("曾国藩") == "zengguofan"
    assert pinyin.full("何曾") == "heceng"


def test_latin_letters_and_digits_are_kept_other_signs_dropped():
    assert pinyin.syllables("李·Ann") == ("li", "a", "n", "n")
    assert pinyin.full("") == ""


def test_sounds_alike():
    assert pinyin.sounds_alike("张三", "章三")  # same sounds, different character
    assert pinyin.sounds_alike("刘德华", "刘德化")  # one syllable off in a three-syllable name
    assert pinyin.sounds_alike("刘德华", "刘得明")  # 得 reads like 德; only 明 differs
    assert not pinyin.sounds_alike("刘德华", "王德明")  # two syllables off
    assert not pinyin.sounds_alike("张三", "张山")  # a two-syllable name must match exactly
    assert not pinyin.sounds_alike("张三", "张三丰")  # different lengths
    assert not pinyin.sounds_alike("", "")  # nothing to compare


def test_what_looks_like_pinyin():
    assert pinyin.looks_like_pinyin("zs")
    assert pinyin.looks_like_pinyin("Zhang San")
    assert not pinyin.looks_like_pinyin("张三")
    assert not pinyin.looks_like_pinyin("zs1")
    assert not pinyin.looks_like_pinyin("")
