"""Plausible answers, right and wrong, to the exercises of lesson 09 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case


def _td_inplace(answer, k):
    probabilities = answer["probabilities"]
    probabilities.sort(reverse=True)
    return [(probabilities.index(p), p) for p in probabilities[:k]]


def _td_pop_max(answer, k):
    probabilities = answer["probabilities"]
    out = []
    for _ in range(k):
        best = max(range(len(probabilities)), key=lambda d: probabilities[d])
        out.append((best, probabilities[best]))
        probabilities[best] = -1.0
    return out


def _td_heapq(answer, k):
    import heapq

    return heapq.nlargest(k, enumerate(answer["probabilities"]), key=lambda pair: pair[1])


TOP_DIGITS = [
    Case(
        "reference",
        lambda a, k: [
            (d, a["probabilities"][d])
            for d in sorted(range(10), key=lambda d: a["probabilities"][d], reverse=True)[:k]
        ],
        ACCEPTED,
    ),
    Case(
        "sorted(enumerate(...))",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k],
        ACCEPTED,
    ),
    Case(
        "np.argsort reversed",
        lambda a, k: [
            (int(d), float(a["probabilities"][d])) for d in np.argsort(a["probabilities"])[::-1][:k]
        ],
        ACCEPTED,
    ),
    Case("heapq.nlargest", _td_heapq, ACCEPTED),
    Case(
        "lists instead of tuples",
        lambda a, k: [
            [d, p] for d, p in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]
        ],
        ACCEPTED,
    ),
    Case(
        "least likely first",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: t[1])[:k],
        r"most likely first|largest|reverse",
    ),
    Case(
        "top k, but ascending",
        lambda a, k: sorted(
            sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k], key=lambda t: t[1]
        ),
        r"most likely first|order|reverse",
    ),
    Case(
        "digits only",
        lambda a, k: [d for d, _ in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]],
        r"pairs|\(digit, probability\)",
    ),
    Case(
        "(probability, digit) pairs",
        lambda a, k: [
            (p, d) for d, p in sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]
        ],
        r"\(digit, probability\)|order|swap",
    ),
    Case(
        "k + 1 pairs",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[: k + 1],
        r"\bk\b",
    ),
    Case(
        "k - 1 pairs",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[: k - 1],
        r"\bk\b",
    ),
    Case(
        "ignores k (3)",
        lambda a, k: sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:3],
        r"\bk\b",
    ),
    Case(
        "sorted by digit",
        lambda a, k: list(enumerate(a["probabilities"]))[:k],
        r"probabilit|most likely",
    ),
    Case(
        "the answer's digit only",
        lambda a, k: [(a["digit"], a["probabilities"][a["digit"]])],
        r"\bk\b",
    ),
    Case(
        "a dict",
        lambda a, k: dict(sorted(enumerate(a["probabilities"]), key=lambda t: -t[1])[:k]),
        r"list",
    ),
    Case("sorts the answer's list in place", _td_inplace, r"chang|in place|modif"),
    Case("overwrites the best with -1", _td_pop_max, r"chang|in place|modif"),
]


CATALOGUE = {
    ("lesson09", "top_digits"): TOP_DIGITS,
}
