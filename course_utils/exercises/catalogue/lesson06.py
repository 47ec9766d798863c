"""Plausible answers, right and wrong, to the exercises of lesson 06 (see the package docstring)."""

from __future__ import annotations

import math

import numpy as np

from . import ACCEPTED, Case, _course


def _conv(formula):
    def conv_output_size(size, kernel_size, stride=1, padding=0):
        return formula(size, kernel_size, stride, padding)

    return conv_output_size


CONV_OUTPUT_SIZE = [
    Case("reference", _conv(lambda n, k, s, p: (n + 2 * p - k) // s + 1), ACCEPTED),
    Case("int() of a division", _conv(lambda n, k, s, p: int((n + 2 * p - k) / s) + 1), ACCEPTED),
    Case("math.floor", _conv(lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1), ACCEPTED),
    Case(
        "ceil of (n - k + 1) / s", _conv(lambda n, k, s, p: -(-(n + 2 * p - k + 1) // s)), ACCEPTED
    ),
    Case("numpy integer", _conv(lambda n, k, s, p: np.int64((n + 2 * p - k) // s + 1)), ACCEPTED),
    Case("missing + 1", _conv(lambda n, k, s, p: (n + 2 * p - k) // s), r"add 1|one too few"),
    Case(
        "padding once, not twice",
        _conv(lambda n, k, s, p: (n + p - k) // s + 1),
        r"2 \* padding|both sides|each side",
    ),
    Case("no padding", _conv(lambda n, k, s, p: (n - k) // s + 1), r"padding"),
    Case(
        "true division (a float)",
        _conv(lambda n, k, s, p: (n + 2 * p - k) / s + 1),
        r"//|integer|whole",
    ),
    Case(
        "math.ceil",
        _conv(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
        r"ceil|round|floor|//",
    ),
    Case("round", _conv(lambda n, k, s, p: round((n + 2 * p - k) / s) + 1), r"ceil|round|floor|//"),
    Case("ignores stride", _conv(lambda n, k, s, p: n + 2 * p - k + 1), r"stride"),
    Case(
        "+ 1 inside the division",
        _conv(lambda n, k, s, p: (n + 2 * p - k + 1) // s),
        r"\+ 1|stride|outside",
    ),
    Case("minus padding", _conv(lambda n, k, s, p: (n - 2 * p - k) // s + 1), r"padding|adds|sign"),
    Case("plus kernel size", _conv(lambda n, k, s, p: (n + 2 * p + k) // s + 1), r"kernel"),
    Case(
        "stride and padding swapped",
        _conv(lambda n, k, s, p: (n + 2 * s - k) // p + 1),
        r"stride|padding|swap|order",
    ),
    Case("size // stride only", _conv(lambda n, k, s, p: n // s), r"kernel|formula"),
    Case(
        "2 * padding added after the division",
        lambda size, kernel_size, stride, padding: (size - kernel_size) // stride + 1 + 2 * padding,
        r"after dividing",
    ),
    Case(
        "counts the window positions with range",
        lambda size, kernel_size, stride, padding: len(
            range(0, size + 2 * padding - kernel_size + 1, stride)
        ),
        ACCEPTED,
    ),
]


def _db(dout, x, w):
    return dout.sum(axis=0)


def _dense_variant(dx=None, dw=None, db=None, order=("dx", "dw", "db")):
    def dense_backward(dout, x, w):
        grads = {
            "dx": dout @ w.T if dx is None else dx(dout, x, w),
            "dw": x.T @ dout if dw is None else dw(dout, x, w),
            "db": dout.sum(axis=0) if db is None else db(dout, x, w),
        }
        return tuple(grads[name] for name in order)

    return dense_backward


def _dense_cache(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def _dense_inplace(dout, x, w):
    dout /= len(x)
    return dout @ w.T * len(x), x.T @ dout * len(x), dout.sum(axis=0) * len(x)


def _dense_backward_cache_swapped(dout, cache):
    w, x = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def _dense_backward_scales_w_in_place(dout, cache):
    x, w = cache
    w *= 2  # changes the layer's weights, which the cache shares
    return dout @ (w / 2).T, x.T @ dout, dout.sum(axis=0)


DENSE_BACKWARD = [
    Case("reference", _dense_variant(), ACCEPTED),
    Case("cache signature (dout, cache)", _dense_cache, ACCEPTED),
    Case(
        "np.dot and einsum",
        _dense_variant(
            dx=lambda d, x, w: np.dot(d, w.T), dw=lambda d, x, w: np.einsum("nd,nm->dm", x, d)
        ),
        ACCEPTED,
    ),
    Case("returns a list", lambda d, x, w: [d @ w.T, x.T @ d, d.sum(axis=0)], ACCEPTED),
    Case("(dw, dx, db) order", _dense_variant(order=("dw", "dx", "db")), r"order"),
    Case("(dx, db, dw) order", _dense_variant(order=("dx", "db", "dw")), r"order"),
    Case("dx = dout @ w (no transpose)", _dense_variant(dx=lambda d, x, w: d @ w), r"transpos"),
    Case(
        "dw = dout.T @ x (transposed)",
        _dense_variant(dw=lambda d, x, w: d.T @ x),
        r"\bdw\b.*(transpos|x\.T)|x\.T",
    ),
    Case(
        "dw from batch sums (outer product)",
        _dense_variant(dw=lambda d, x, w: np.outer(x.sum(axis=0), d.sum(axis=0))),
        r"\bdw\b",
    ),
    Case("db mean over the batch", _dense_variant(db=lambda d, x, w: d.mean(axis=0)), r"sum|mean"),
    Case("db over axis 1", _dense_variant(db=lambda d, x, w: d.sum(axis=1)), r"axis|shape"),
    Case("db a single number", _dense_variant(db=lambda d, x, w: d.sum()), r"axis|shape"),
    Case(
        "db with keepdims (1, M)",
        _dense_variant(db=lambda d, x, w: d.sum(axis=0, keepdims=True)),
        r"shape|keepdims",
    ),
    Case("dw divided by N", _dense_variant(dw=lambda d, x, w: x.T @ d / len(x)), r"divide|N\b|sum"),
    Case(
        "dx with a ReLU mask",
        _dense_variant(dx=lambda d, x, w: (d @ w.T) * (x > 0)),
        r"\bdx\b|ReLU",
    ),
    Case(
        "dx divided by N", _dense_variant(dx=lambda d, x, w: d @ w.T / len(x)), r"\bdx\b|divide|N\b"
    ),
    Case("returns dx, dw only", lambda d, x, w: (d @ w.T, x.T @ d), r"three|\(dx, dw, db\)"),
    Case("divides dout in place", _dense_inplace, r"chang|in place|modif"),
    Case(
        "the course's own layers.dense_backward",
        lambda d, x, w: _course("layers").dense_backward(d, (x, w)),
        r"switched off",
    ),
    Case("unpacks the cache as w, x", _dense_backward_cache_swapped, r"x, w = cache"),
    Case(
        "changes w inside the cache in place", _dense_backward_scales_w_in_place, r"in place.*cache"
    ),
]


CATALOGUE = {
    ("lesson06", "conv_output_size"): CONV_OUTPUT_SIZE,
    ("lesson06", "dense_backward"): DENSE_BACKWARD,
}
