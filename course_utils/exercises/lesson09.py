"""Exercises of lesson 09: read the service's answer like a client, and write an endpoint.

* ``top_digits``: ``fn(answer: dict, k: int) -> list[tuple[int, float]]``, the ``k``
  most likely digits of a ``POST /predict`` answer ``{"digit": d, "probabilities": [p0, ..., p9]}``,
  most likely first, as ``(digit, probability)`` pairs.
* ``top3_app``: ``fn(predict) -> FastAPI``, an app whose ``POST /top3`` takes a picture in
  the multipart field ``file``, calls ``predict(content: bytes) -> (10,) probabilities`` and
  answers ``{"digits": [d1, d2, d3], "probabilities": [p1, p2, p3]}``, most likely first.

Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

# at module level: FastAPI resolves the endpoints' string annotations in this module's globals
from fastapi import FastAPI, UploadFile

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
        for d, _ in pairs:
            if isinstance(d, (str, bytes, float)) or (
                hasattr(d, "dtype") and d.dtype.kind not in "iu"
            ):
                raise Hint(
                    f"a digit is a whole number, an int such as 7; got {d!r} ({type(d).__name__}): "
                    "use the digit's position in the list of probabilities (range(10), enumerate)."
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


UPLOAD = b"\x89PNG a picture of a 7"


def _check_top3_app(fn):
    import warnings

    import numpy as np

    with warnings.catch_warnings():  # starlette's note about httpx's successor, not for learners
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    probabilities = np.array(ANSWER["probabilities"])
    received = []

    def predict(content):
        received.append(content)
        return probabilities.copy()

    app = fn(predict)
    if not hasattr(app, "router"):
        raise Hint(
            f"return the FastAPI app (app = FastAPI() ... return app); got {type(app).__name__}."
        )
    with TestClient(app) as client:
        try:
            response = client.post("/top3", files={"file": ("seven.png", UPLOAD, "image/png")})
        except Exception as error:  # the learner's endpoint raised
            numpy_hint = ""
            if isinstance(error, (TypeError, ValueError)) and "numpy" in str(error):
                numpy_hint = (
                    " numpy numbers are not JSON: convert them with int(...) and float(...)."
                )
            elif isinstance(error, IndexError):
                numpy_hint = " a digit is a position in the probabilities, a whole number 0-9."
            raise Hint(
                f"your endpoint raised {type(error).__name__}: {str(error)[:120]}.{numpy_hint}"
            ) from None
    if response.status_code == 404:
        raise Hint('no route answers POST /top3: decorate the endpoint with @app.post("/top3").')
    if response.status_code == 405:
        raise Hint("/top3 does not answer POST: a picture is sent, so use @app.post, not @app.get.")
    if response.status_code == 422:
        raise Hint(
            "FastAPI found no upload for your endpoint's parameter: name it file and type it "
            "UploadFile (def top3(file: UploadFile)), the field the client sends."
        )
    if response.status_code != 200:
        raise Hint(f"expected status 200, got {response.status_code}: {response.text[:100]}.")
    if received != [UPLOAD]:
        raise Hint(
            "call predict once with the uploaded file's bytes (file.file.read(), or await "
            f"file.read() in an async def); it received {[type(r).__name__ for r in received]}."
        )
    answer = response.json()
    if not isinstance(answer, dict) or set(answer) != {"digits", "probabilities"}:
        shown = sorted(answer) if isinstance(answer, dict) else type(answer).__name__
        raise Hint(f'answer a dict with the keys "digits" and "probabilities"; got {shown}.')
    digits, probs = answer["digits"], answer["probabilities"]
    expected = [7, 1, 9]
    if len(digits) != 3 or len(probs) != 3:
        raise Hint(
            f"answer the three most likely digits; got {len(digits)} digits and {len(probs)} probabilities."
        )
    if not all(isinstance(d, int) for d in digits):
        raise Hint(
            f"digits should be the digits 0-9 (their positions), not probabilities; got {digits}."
        )
    third_lowest = sorted(probabilities)[2]
    if all(probabilities[d] <= third_lowest for d in digits):
        raise Hint("those are the least likely digits: rank with reverse=True (most likely first).")
    if digits == expected[::-1]:
        raise Hint("those come least likely first: rank with reverse=True (most likely first).")
    if sorted(digits) == sorted(expected) and digits != expected:
        raise Hint(
            f"the right digits in the wrong order: most likely first, {expected}; got {digits}."
        )
    if digits != expected:
        raise Hint(
            f"rank the digits by their probability, most likely first: expected {expected}, got {digits}."
        )
    if not np.allclose(probs, probabilities[expected]):
        raise Hint(
            "the digits are right but not their probabilities: give each digit's own "
            f"probability, probabilities[digit]; got {probs}."
        )


@exercise(
    _check_top3_app,
    task="Write top3_app(predict) returning a FastAPI app whose POST /top3 answers the three most likely digits.",
)
def top3_app(predict):
    app = FastAPI()

    @app.post("/top3")
    def top3(file: UploadFile):
        probabilities = predict(file.file.read())
        digits = sorted(range(10), key=lambda digit: probabilities[digit], reverse=True)[:3]
        return {"digits": digits, "probabilities": [float(probabilities[d]) for d in digits]}

    return app


EXERCISES = (top_digits, top3_app)

__all__ = ["ANSWER", "EXERCISES", "top3_app", "top_digits"]
