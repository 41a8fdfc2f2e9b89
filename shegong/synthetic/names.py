"""Plausible Chinese names, drawn deterministically from a ``random.Random``.

Surnames are weighted roughly by their share of the population (王, 李, 张 and 刘 alone are
about a fifth of it); given names are one or two characters from lists of characters common in
men's and women's names, with a generation's flavour (older people 建国, 秀兰; younger 子涵, 浩然).
Every name is fictional: any likeness to a real person is chance.
"""

from __future__ import annotations

import random
from itertools import accumulate

# (surname, approximate share in per mille), the hundred most common surnames.
_SURNAMES = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("赵", 23), ("黄", 22),
    ("周", 21), ("吴", 20), ("徐", 17), ("孙", 15), ("胡", 13), ("朱", 12), ("高", 12), ("林", 11),
    ("何", 11), ("郭", 11), ("马", 11), ("罗", 9), ("梁", 9), ("宋", 8), ("郑", 8), ("谢", 7),
    ("韩", 7), ("唐", 7), ("冯", 7), ("于", 6), ("董", 6), ("萧", 6), ("程", 6), ("曹", 6),
    ("袁", 5), ("邓", 5), ("许", 5), ("傅", 5), ("沈", 5), ("曾", 5), ("彭", 5), ("吕", 5),
    ("苏", 5), ("卢", 5), ("蒋", 5), ("蔡", 5), ("贾", 4), ("丁", 4), ("魏", 4), ("薛", 4),
    ("叶", 4), ("阎", 4), ("余", 4), ("潘", 4), ("杜", 4), ("戴", 3), ("夏", 3), ("钟", 3),
    ("汪", 3), ("田", 3), ("任", 3), ("姜", 3), ("范", 3), ("方", 3), ("石", 3), ("姚", 3),
    ("谭", 3), ("廖", 3), ("邹", 3), ("熊", 3), ("金", 3), ("陆", 3), ("郝", 3), ("孔", 2),
    ("白", 2), ("崔", 2), ("康", 2), ("毛", 2), ("邱", 2), ("秦", 2), ("江", 2), ("史", 2),
    ("顾", 2), ("侯", 2), ("邵", 2), ("孟", 2), ("龙", 2), ("万", 2), ("段", 2), ("雷", 2),
    ("钱", 2), ("汤", 2), ("尹", 2), ("黎", 2), ("易", 2), ("常", 2), ("武", 2), ("乔", 2),
    ("贺", 2), ("赖", 2), ("龚", 2), ("文", 2),
)
SURNAMES = tuple(s for s, _w in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _s, w in _SURNAMES))

# Characters common in given names, by sex and by generation (born before / from 1980).
_MALE_OLD = "国建军明华志文德金玉宝春海长永振树福成兴荣庆忠广胜富祥贵林山才"
_MALE_NEW = "浩宇轩然子博俊杰涛磊鹏辰泽睿晨航宁凯翔旭昊思天豪嘉铭瑞阳"
_FEMALE_OLD = "秀兰英桂珍玉凤霞淑芬梅丽华春荣琴云芳素彩翠娟红艳金花凤敏"
_FEMALE_NEW = "欣怡梓萱涵雨思琪佳悦诗语可馨晴雪婷妍彤瑶琳若月心蕾璐"


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    if sex == "male":
        chars = _MALE_OLD if birth_year < 1980 else _MALE_NEW
    else:
        chars = _FEMALE_OLD if birth_year < 1980 else _FEMALE_NEW
    if rng.random() < 0.25:
        return rng.choice(chars)
    first = rng.choice(chars)
    second = rng.choice(chars)
    while second == first and rng.random() < 0.8:  # 丽丽, 婷婷 happen, but rarely
        second = rng.choice(chars)
    return first + second


def full_name(rng: random.Random, sex: str, birth_year: int, family: str | None = None) -> str:
    """A full name; ``family`` keeps a household's surname (children take the father's)."""
    return (family or surname(rng)) + given_name(rng, sex, birth_year)
