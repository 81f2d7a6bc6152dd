"""Packed records: how pricing keeps a line's adjustments and taxes in one flat sequence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from draftorders.explain import render
from draftorders.pricing.records import amounts, pack, unpack

RECORDS = st.lists(st.lists(st.integers(), min_size=3, max_size=9).map(tuple), max_size=6)
"""Records of any length from three fields up (amount third), as pricing's are."""


@given(records=RECORDS)
def test_unpacking_gives_back_the_records_packed_in_their_order(
    records: list[tuple[int, ...]],
) -> None:
    packed = pack(records)

    assert list(unpack(packed)) == records
    assert amounts(packed) == sum(record[2] for record in records)


def test_records_of_different_lengths_follow_each_other() -> None:
    short = ("L1", 100, 7, str.format, "{}", "seven")
    long = ("L1", 100, 9, str.format, "{} and {} and {}", 1, 2, 3)

    packed = (*pack([short]), *pack([long]))

    assert packed[0] == len(short)
    assert [render(record[3:]) for record in unpack(packed)] == ["seven", "1 and 2 and 3"]
    assert amounts(packed) == 16
    assert list(unpack(())) == []
