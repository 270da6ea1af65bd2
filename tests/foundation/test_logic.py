"""Three-valued (Kleene) logic: AND is False if any part is False, OR is True if any part is True; otherwise an
unknown part makes the answer unknown. Checked against the definitions on every list of up to four values."""

from __future__ import annotations

import itertools

from chipclear.logic import Tri, t_and, t_not, t_or

VALUES: list[Tri] = [True, False, None]


def _lists() -> list[list[Tri]]:
    return [list(v) for n in range(5) for v in itertools.product(VALUES, repeat=n)]


def test_and_follows_kleene() -> None:
    for values in _lists():
        expected: Tri = False if False in values else (None if None in values else True)
        assert t_and(values) is expected, values


def test_or_follows_kleene() -> None:
    for values in _lists():
        expected: Tri = True if True in values else (None if None in values else False)
        assert t_or(values) is expected, values


def test_not_keeps_unknown() -> None:
    assert t_not(True) is False and t_not(False) is True and t_not(None) is None


def test_an_empty_and_is_true_and_an_empty_or_is_false() -> None:
    assert t_and([]) is True and t_or([]) is False
