"""Exercise of lesson 09: read the service's answer like a client.

* ``top_digits``: ``fn(answer: dict, k: int) -> list[tuple[int, float]]``, the ``k``
  most likely digits of a ``POST /predict`` answer ``{"digit": d, "probabilities": [p0, ..., p9]}``,
  most likely first, as ``(digit, probability)`` pairs.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

from . import Hint, exercise

ANSWER = {
    "digit": 7,
    "probabilities": [0.01, 0.15, 0.02, 0.0, 0.01, 0.0, 0.0, 0.72, 0.02, 0.07],
}


def _check_top_digits(fn):
    probabilities = ANSWER["probabilities"]
    for k in (1, 3, 5):
        out = fn({"digit": ANSWER["digit"], "probabilities": list(probabilities)}, k)
        expected = top_digits.reference(ANSWER, k)
        if isinstance(out, dict):
            raise Hint(
                f"return a list of (digit, probability) pairs, most likely first (a dict has no order to read); got {out!r:.80}."
            )
        try:
            pairs = [tuple(pair) for pair in out]
        except TypeError:
            raise Hint(f"return a list of (digit, probability) pairs; got {out!r:.80}.") from None
        if any(len(pair) != 2 for pair in pairs):
            raise Hint(f"each item should be a (digit, probability) pair; got {pairs!r:.80}.")
        if len(pairs) != k:
            raise Hint(f"with k = {k} return k = {k} pairs; got {len(pairs)}.")
        if [(p, d) for d, p in expected] == pairs:
            raise Hint(
                "each pair is (probability, digit): put the digit first, (digit, probability)."
            )
        got = [(int(d), float(p)) for d, p in pairs]
        if got == expected:
            continue
        consistent = (
            all(0 <= d < len(probabilities) and probabilities[d] == p for d, p in got)
            and len({d for d, _ in got}) == k
        )
        if consistent and [p for _, p in got] == [p for _, p in expected]:
            continue  # equal probabilities may come in either order
        least_likely = sorted(enumerate(probabilities), key=lambda pair: pair[1])[:k]
        if got == least_likely or got == least_likely[::-1]:
            raise Hint(
                "those are the least likely digits: sort the probabilities with reverse=True."
            )
        if sorted(got, key=lambda pair: -pair[1]) == expected:
            raise Hint(
                "the right digits, in the wrong order: most likely first (sorted with reverse=True)."
            )
        if got == list(enumerate(probabilities))[:k]:
            raise Hint(
                "those are the first k digits, 0, 1, ...: rank the digits by probability, most likely first."
            )
        if not consistent and [p for _, p in got] == [p for _, p in expected]:
            raise Hint(
                "the probabilities are right but not the digits: a digit is its position in the list."
            )
        raise Hint(f"with k = {k} expected {expected}; got {got}.")


@exercise(
    _check_top_digits,
    task="Write top_digits(answer, k) returning the k most likely (digit, probability) pairs of a /predict answer.",
)
def top_digits(answer, k):
    probabilities = answer["probabilities"]
    ranked = sorted(range(len(probabilities)), key=lambda digit: probabilities[digit], reverse=True)
    return [(digit, probabilities[digit]) for digit in ranked[:k]]


EXERCISES = (top_digits,)

__all__ = ["ANSWER", "EXERCISES", "top_digits"]
