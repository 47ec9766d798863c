"""Plausible answers, right and wrong, to the exercises of lesson 09 (see the package docstring)."""

from __future__ import annotations

import numpy as np

# at module level: FastAPI resolves the endpoints' string annotations in this module's globals
from fastapi import FastAPI, Request, UploadFile

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
    Case(
        "the digit as a string",
        lambda answer, k: [
            (str(d), answer["probabilities"][d])
            for d in sorted(range(10), key=lambda d: -answer["probabilities"][d])[:k]
        ],
        r"a digit is a whole number",
    ),
    Case(
        "the digit as a float",
        lambda answer, k: [
            (float(d), answer["probabilities"][d])
            for d in sorted(range(10), key=lambda d: -answer["probabilities"][d])[:k]
        ],
        r"a digit is a whole number",
    ),
]


def _BY_LIKELIHOOD(p):
    return sorted(range(10), key=lambda d: p[d], reverse=True)


def _top3_app(route="/top3", method="post", rank=None, answer=None, read=None):
    """A learner's top3_app built from the parts given (the reference's where None)."""

    def make(predict):
        ranked = rank or (lambda p: _BY_LIKELIHOOD(p)[:3])
        answered = answer or (
            lambda p, digits: {"digits": digits, "probabilities": [float(p[d]) for d in digits]}
        )
        bytes_of = read or (lambda file: file.file.read())
        app = FastAPI()

        def top3(file: UploadFile):
            probabilities = predict(bytes_of(file))
            return answered(probabilities, ranked(probabilities))

        getattr(app, method)(route)(top3)
        return app

    return make


def _top3_picture_param(predict):
    app = FastAPI()

    @app.post("/top3")
    def top3(picture: UploadFile):
        p = predict(picture.file.read())
        digits = _BY_LIKELIHOOD(p)[:3]
        return {"digits": digits, "probabilities": [float(p[d]) for d in digits]}

    return app


def _top3_async(predict):
    app = FastAPI()

    @app.post("/top3")
    async def top3(file: UploadFile):
        p = predict(await file.read())
        digits = [int(d) for d in np.argsort(p)[::-1][:3]]
        return {"digits": digits, "probabilities": [float(p[d]) for d in digits]}

    return app


def _top3_request_form(predict):
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.post("/top3")
    async def top3(request: Request):
        form = await request.form()
        p = list(predict(await form["file"].read()))
        pairs = sorted(enumerate(p), key=lambda pair: -pair[1])[:3]
        return JSONResponse(
            {"digits": [d for d, _ in pairs], "probabilities": [float(q) for _, q in pairs]}
        )

    return app


TOP3_APP = [
    Case("reference: UploadFile, sorted(..., reverse=True)", _top3_app(), ACCEPTED),
    Case("async def, await file.read(), np.argsort", _top3_async, ACCEPTED),
    Case("Request.form() and a JSONResponse", _top3_request_form, ACCEPTED),
    Case(
        "numpy's argmax-style ranking converted with int()",
        _top3_app(rank=lambda p: [int(d) for d in np.argsort(-np.asarray(p))[:3]]),
        ACCEPTED,
    ),
    Case("@app.get instead of @app.post", _top3_app(method="get"), r"post"),
    Case("the route /top_3", _top3_app(route="/top_3"), r"/top3"),
    Case("the parameter named picture", _top3_picture_param, r"file"),
    Case(
        "numpy integers in the answer",
        _top3_app(rank=lambda p: list(np.argsort(p)[::-1][:3])),
        r"int\(|numpy",
    ),
    Case(
        "least likely first",
        _top3_app(rank=lambda p: _BY_LIKELIHOOD(p)[::-1][:3]),
        r"least likely|reverse",
    ),
    Case(
        "top three, least likely first",
        _top3_app(rank=lambda p: _BY_LIKELIHOOD(p)[:3][::-1]),
        r"least likely|reverse|order",
    ),
    Case("the top two", _top3_app(rank=lambda p: _BY_LIKELIHOOD(p)[:2]), r"three"),
    Case("all ten", _top3_app(rank=lambda p: _BY_LIKELIHOOD(p)), r"three"),
    Case("the first three digits", _top3_app(rank=lambda p: [0, 1, 2]), r"rank|most likely"),
    Case(
        "top three sorted by digit",
        _top3_app(rank=lambda p: sorted(_BY_LIKELIHOOD(p)[:3])),
        r"order",
    ),
    Case(
        "the three largest probabilities as the digits",
        _top3_app(rank=lambda p: [float(q) for q in sorted(p, reverse=True)[:3]]),
        r"position|0-9",
    ),
    Case(
        "probabilities in rank order but of the wrong digits",
        _top3_app(
            answer=lambda p, ds: {"digits": ds, "probabilities": [float(p[i]) for i in range(3)]}
        ),
        r"own probability|probabilities\[digit\]",
    ),
    Case(
        "only the digits",
        _top3_app(answer=lambda p, ds: {"digits": ds}),
        r"keys",
    ),
    Case(
        "a list of pairs instead of a dict",
        _top3_app(answer=lambda p, ds: [[d, float(p[d])] for d in ds]),
        r"dict|keys",
    ),
    Case("predict given the file name", _top3_app(read=lambda file: file.filename), r"bytes|read"),
    Case(
        "predict given the UploadFile itself",
        _top3_app(read=lambda file: file),
        r"bytes|read|raised",
    ),
]


CATALOGUE = {
    ("lesson09", "top_digits"): TOP_DIGITS,
    ("lesson09", "top3_app"): TOP3_APP,
}
