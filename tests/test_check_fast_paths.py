"""The check's fast paths find exactly what the straightforward patterns find."""

from __future__ import annotations

import random
import re

from congressgen.check import privacy

EDGE = r"(?<![0-9A-Za-z])"
STRAIGHT_ID = re.compile(EDGE + r"([1-8]\d{5})((?:18|19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + privacy._EDGE_AFTER)
STRAIGHT_CARD = re.compile(EDGE + r"([3-6]\d{3})([- ]?)(\d{4})\2(\d{4})\2(\d{4})(?:\2(\d{1,3}))?" + privacy._EDGE_AFTER)


def _random_texts(count: int) -> list[str]:
    rng = random.Random(17)
    pieces = ["1", "2", "3", "4", "5", "6", "8", "9", "0", "X", "x", "a", "Z", " ", "-", "+", "86", "00",
              "１", "甲", "，", "\n", "13812345678", "110101199003074514", "6222020200112345678", "4111 1111 1111 1111",
              "1990", "2024年"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def _matches(pattern, text):
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_id_and_card_patterns_match_what_an_edge_check_first_matches():
    texts = _random_texts(6000) + ["x110101199003074514", "a6222020200112345678", "6222020200112345678b",
                                   "身份证110101199003074514，卡号6222 0202 0011 2345 678。"]
    found = 0
    for text in texts:
        assert _matches(privacy._ID, text) == _matches(STRAIGHT_ID, text), text
        assert _matches(privacy._CARD, text) == _matches(STRAIGHT_CARD, text), text
        found += bool(_matches(STRAIGHT_ID, text)) + bool(_matches(STRAIGHT_CARD, text))
    assert found > 100


def test_every_mobile_number_contains_the_quick_hint():
    texts = _random_texts(6000) + ["+86 138-1234-5678", "0086138 1234 5678", "电话13812345678。"]
    found = 0
    for text in texts:
        for m in privacy._MOBILE.finditer(text):
            found += 1
            assert privacy._MOBILE_PART.search(m.group(0)), text
    assert found > 100
