"""The set of record sequence numbers that have their results line, in little memory.

Sequence numbers are handed out in input order and lines are written mostly in that
order, so the set is a short list of ranges: a run of a million records written in
order is one range, not a million integers. Records held back (a breaker's end-of-input
writes) or answered out of order leave gaps, one range per gap.
"""

from __future__ import annotations

import bisect


class SeqSet:
    """Integers as sorted, disjoint, non-adjacent ``[start, end)`` ranges."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, seq: int) -> bool:
        i = bisect.bisect_right(self._starts, seq) - 1
        return i >= 0 and seq < self._ends[i]

    def add(self, seq: int) -> bool:
        """Add ``seq``; False if it was already there."""
        starts, ends = self._starts, self._ends
        if ends and ends[-1] == seq:  # the common case: the next number in order
            ends[-1] = seq + 1
            self._count += 1
            return True
        i = bisect.bisect_right(starts, seq) - 1
        if i >= 0 and seq < ends[i]:
            return False
        joins_left = i >= 0 and ends[i] == seq
        joins_right = i + 1 < len(starts) and starts[i + 1] == seq + 1
        if joins_left and joins_right:
            ends[i] = ends[i + 1]
            del starts[i + 1], ends[i + 1]
        elif joins_left:
            ends[i] = seq + 1
        elif joins_right:
            starts[i + 1] = seq
        else:
            starts.insert(i + 1, seq)
            ends.insert(i + 1, seq + 1)
        self._count += 1
        return True

    @property
    def ranges(self) -> int:
        """How many ranges the set holds (what its memory grows with)."""
        return len(self._starts)
