"""The compact set of sequence numbers that have a results line."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from target_tiktokshop.seq_set import SeqSet


@given(st.lists(st.integers(0, 300), max_size=400))
def test_behaves_like_a_set(numbers: list[int]) -> None:
    seqs, plain = SeqSet(), set()
    for n in numbers:
        assert seqs.add(n) == (n not in plain)
        plain.add(n)
    assert len(seqs) == len(plain)
    assert all((n in seqs) == (n in plain) for n in range(-2, 305))


def test_numbers_in_order_take_one_range_and_gaps_one_each() -> None:
    seqs = SeqSet()
    for n in range(1, 100_001):
        seqs.add(n)
    assert seqs.ranges == 1 and len(seqs) == 100_000
    held = set(random.Random(3).sample(range(100_001, 200_001), 50))
    for n in range(100_001, 200_001):
        if n not in held:
            seqs.add(n)
    assert seqs.ranges == 51
    for n in sorted(held):
        seqs.add(n)
    assert seqs.ranges == 1 and len(seqs) == 200_000
