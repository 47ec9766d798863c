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
    Case(
        "returns the size as a string",
        lambda size, kernel_size, stride, padding: "26",
        r"return a number",
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


# --- max pooling backward: cache = (x_shape, (ph, pw), (sh, sw), winner) -----------------------


def _pool_put_along_axis(dout, cache):
    x_shape, (ph, pw), stride, winner = cache
    n, oh, ow, c = dout.shape
    dwindows = np.zeros((n, oh, ow, ph * pw, c), dtype=dout.dtype)
    np.put_along_axis(dwindows, winner[:, :, :, None, :], dout[:, :, :, None, :], axis=3)
    return _course("layers").col2im(dwindows.reshape(n * oh * ow, -1), x_shape, (ph, pw), stride)


def _pool_mask(dout, cache):
    x_shape, pool_size, stride, winner = cache
    mask = winner[:, :, :, None, :] == np.arange(pool_size[0] * pool_size[1])[:, None]
    dcols = mask * dout[:, :, :, None, :]
    return _course("layers").col2im(
        dcols.reshape(-1, mask.shape[3] * x_shape[3]), x_shape, pool_size, stride
    )


def _pool_loops(dout, cache):
    x_shape, (ph, pw), (sh, sw), winner = cache
    dx = np.zeros(x_shape, dtype=dout.dtype)
    n, oh, ow, c = dout.shape
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for k in range(c):
                    r, q = divmod(int(winner[b, i, j, k]), pw)
                    dx[b, i * sh + r, j * sw + q, k] += dout[b, i, j, k]
    return dx


def _pool_offsets(dout, cache, *, add=True):
    x_shape, (ph, pw), (sh, sw), winner = cache
    dx = np.zeros(x_shape, dtype=dout.dtype)
    oh, ow = dout.shape[1:3]
    for i in range(ph):
        for j in range(pw):
            part = dout * (winner == i * pw + j)
            if add:
                dx[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += part
            else:
                dx[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] = part
    return dx


def _pool_add_at(dout, cache):
    x_shape, (ph, pw), (sh, sw), winner = cache
    n, oh, ow, c = np.indices(dout.shape)
    rows = oh * sh + winner // pw
    cols = ow * sw + winner % pw
    dx = np.zeros(x_shape)
    np.add.at(dx, (n, rows, cols, c), dout)
    return dx


def _pool_spread(dout, cache, *, divide=False, weight=None):
    x_shape, (ph, pw), stride, winner = cache
    n, oh, ow, c = dout.shape
    dwindows = np.repeat(dout[:, :, :, None, :], ph * pw, axis=3) / (ph * pw if divide else 1)
    return _course("layers").col2im(dwindows.reshape(n * oh * ow, -1), x_shape, (ph, pw), stride)


def _pool_wrong_index(dout, cache):
    x_shape, (ph, pw), stride, winner = cache
    row, col = winner % pw, winner // pw  # row and column swapped
    return _pool_put_along_axis(dout, (x_shape, (ph, pw), stride, row * pw + col))


def _pool_channels_last(dout, cache):
    x_shape, (ph, pw), stride, winner = cache
    mask = winner[..., None] == np.arange(ph * pw)  # (N, OH, OW, C, P): window axis last
    dcols = mask * dout[..., None]
    return _course("layers").col2im(
        dcols.reshape(-1, ph * pw * x_shape[3]), x_shape, (ph, pw), stride
    )


def _pool_no_dout(dout, cache):
    return _pool_put_along_axis(np.ones_like(dout), cache)


def _pool_divided(dout, cache):
    (ph, pw) = cache[1]
    return _pool_put_along_axis(dout, cache) / (ph * pw)


def _pool_int_zeros(dout, cache):
    x_shape, (ph, pw), (sh, sw), winner = cache
    dx = np.zeros_like(winner, shape=x_shape)  # an integer array, like winner
    oh, ow = dout.shape[1:3]
    for i in range(ph):
        for j in range(pw):
            dx[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += (
                dout * (winner == i * pw + j)
            ).astype(dx.dtype)
    return dx


def _pool_in_place(dout, cache):
    x_shape, (ph, pw), (sh, sw), winner = cache
    dx = np.zeros(x_shape, dtype=dout.dtype)
    oh, ow = dout.shape[1:3]
    for i in range(ph):
        for j in range(pw):
            here = winner == i * pw + j
            dx[:, i : i + sh * oh : sh, j : j + sw * ow : sw, :] += np.where(here, dout, 0)
    dout *= 0  # "used up"
    return dx


def _pool_upsample(dout, cache):
    x_shape, (ph, pw), stride, winner = cache
    mask = np.zeros(dout.shape[:3] + (ph * pw,) + dout.shape[3:])
    np.put_along_axis(mask, winner[:, :, :, None, :], 1, axis=3)
    n, oh, ow, c = dout.shape
    mask = (
        mask.reshape(n, oh, ow, ph, pw, c)
        .transpose(0, 1, 3, 2, 4, 5)
        .reshape(n, oh * ph, ow * pw, c)
    )
    return np.repeat(np.repeat(dout, ph, axis=1), pw, axis=2) * mask


def _pool_upsample_padded(dout, cache):
    x_shape = cache[0]
    dx = _pool_upsample(dout, cache)
    return np.pad(
        dx, ((0, 0), (0, x_shape[1] - dx.shape[1]), (0, x_shape[2] - dx.shape[2]), (0, 0))
    )


def _pool_rows(dout, cache):
    x_shape, (ph, pw), stride, winner = cache
    n, oh, ow, c = dout.shape
    dwindows = np.zeros((n, oh, ow, ph * pw, c), dtype=dout.dtype)
    np.put_along_axis(dwindows, winner[:, :, :, None, :], dout[:, :, :, None, :], axis=3)
    return dwindows.reshape(n * oh * ow, -1)


MAXPOOL2D_BACKWARD = [
    Case("reference: put_along_axis and col2im", _pool_put_along_axis, ACCEPTED),
    Case("a mask == arange and col2im", _pool_mask, ACCEPTED),
    Case("loops with divmod(winner, pw)", _pool_loops, ACCEPTED),
    Case("one slice per window offset, +=", _pool_offsets, ACCEPTED),
    Case("np.add.at at the winners", _pool_add_at, ACCEPTED),
    Case("every pixel of the window gets dout", _pool_spread, r"every pixel|only the winner"),
    Case(
        "dout shared equally (average pooling)",
        lambda d, c: _pool_spread(d, c, divide=True),
        r"average",
    ),
    Case("divided by the window size", _pool_divided, r"too small|divide"),
    Case("forgets dout (a 1 at every winner)", _pool_no_dout, r"multiply by dout"),
    Case("winner decoded as column, row", _pool_wrong_index, r"row first|divmod"),
    Case("mask with the window axis last", _pool_channels_last, r"channels"),
    Case(
        "overlapping windows overwrite (=)",
        lambda d, c: _pool_offsets(d, c, add=False),
        r"overlap.*add|\+=",
    ),
    Case("np.repeat upsampling times the mask", _pool_upsample, r"overlap|shape|dropped"),
    Case("upsampling padded to x's shape", _pool_upsample_padded, r"overlap"),
    Case("returns dout unchanged", lambda d, c: d.copy(), r"shape of dout|variable's shape"),
    Case("returns the window rows (no col2im)", _pool_rows, r"col2im"),
    Case("an integer dx (zeros_like(winner))", _pool_int_zeros, r"float|integer|whole"),
    Case("changes dout in place", _pool_in_place, r"in place"),
    Case(
        "the course's own layers.maxpool2d_backward",
        lambda d, c: _course("layers").maxpool2d_backward(d, c),
        r"switched off",
    ),
]


CATALOGUE = {
    ("lesson06", "conv_output_size"): CONV_OUTPUT_SIZE,
    ("lesson06", "dense_backward"): DENSE_BACKWARD,
    ("lesson06", "maxpool2d_backward"): MAXPOOL2D_BACKWARD,
}
