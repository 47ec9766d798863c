"""Plausible answers, right and wrong, to the exercises of lesson 07 (see the package docstring)."""

from __future__ import annotations

import numpy as np

from . import ACCEPTED, Case, _course


def _pr_ref(cm):
    tp = np.diag(cm).astype(float)
    predicted, present = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, present, out=np.zeros_like(tp), where=present > 0)
    return precision, recall


def _pr_loop(cm):
    k = len(cm)
    precision, recall = [], []
    for i in range(k):
        column, row = sum(cm[j][i] for j in range(k)), sum(cm[i])
        precision.append(cm[i][i] / column if column else 0.0)
        recall.append(cm[i][i] / row if row else 0.0)
    return precision, recall


def _pr_naive(cm):
    tp = np.diag(cm)
    return tp / cm.sum(axis=0), tp / cm.sum(axis=1)


def _pr_nan_to_num(cm):
    tp = np.diag(cm)
    return np.nan_to_num(tp / cm.sum(axis=0)), np.nan_to_num(tp / cm.sum(axis=1))


def _pr_errstate(cm):
    tp = np.diag(cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(tp / cm.sum(axis=0)), np.nan_to_num(tp / cm.sum(axis=1))


def _pr_inplace(cm):
    cm[cm == 0] = 1  # avoid dividing by 0
    tp = np.diag(cm)
    return tp / cm.sum(axis=0), tp / cm.sum(axis=1)


PRECISION_RECALL = [
    Case("reference", _pr_ref, ACCEPTED),
    Case("loops and lists", _pr_loop, ACCEPTED),
    Case("errstate + nan_to_num", _pr_errstate, ACCEPTED),
    Case(
        "tp / max(count, 1)",
        lambda cm: (
            np.diag(cm) / np.maximum(cm.sum(axis=0), 1),
            np.diag(cm) / np.maximum(cm.sum(axis=1), 1),
        ),
        ACCEPTED,
    ),
    Case(
        "tiny epsilon",
        lambda cm: (np.diag(cm) / (cm.sum(axis=0) + 1e-12), np.diag(cm) / (cm.sum(axis=1) + 1e-12)),
        ACCEPTED,
    ),
    Case("precision and recall swapped", lambda cm: _pr_ref(cm)[::-1], r"swap|column|row|axis"),
    Case(
        "both over rows",
        lambda cm: (_pr_ref(cm)[1], _pr_ref(cm)[1]),
        r"precision.*column|column|axis=0",
    ),
    Case(
        "both over columns", lambda cm: (_pr_ref(cm)[0], _pr_ref(cm)[0]), r"recall.*row|row|axis=1"
    ),
    Case(
        "no zero handling: nan and a warning",
        _pr_naive,
        r"0/0|never predicted|never present|nan|warning|divide",
    ),
    Case("nan_to_num after the warning", _pr_nan_to_num, r"warning|divide|0/0"),
    Case(
        "divides by the total",
        lambda cm: (np.diag(cm) / cm.sum(), np.diag(cm) / cm.sum()),
        r"column|row|total",
    ),
    Case(
        "Laplace +1",
        lambda cm: (np.diag(cm) / (cm.sum(axis=0) + 1), np.diag(cm) / (cm.sum(axis=1) + 1)),
        r"\+ 1|count|exact",
    ),
    Case(
        "returns F1 twice",
        lambda cm: (2 * np.diag(cm) / (cm.sum(axis=0) + cm.sum(axis=1) + 1e-12),) * 2,
        r"precision|recall",
    ),
    Case(
        "macro averages",
        lambda cm: tuple(float(np.mean(a)) for a in _pr_ref(cm)),
        r"shape|per class|\(K,\)",
    ),
    Case(
        "keepdims row sums",
        lambda cm: (_pr_ref(cm)[0], np.diag(cm) / np.maximum(cm.sum(axis=1, keepdims=True), 1)),
        r"shape|\(K,\)",
    ),
    Case(
        "list of (p, r) pairs",
        lambda cm: list(zip(*_pr_ref(cm))),
        r"two arrays|\(precision, recall\)|shape",
    ),
    Case(
        "tp from the first row",
        lambda cm: (cm[0] / np.maximum(cm.sum(axis=0), 1), cm[0] / np.maximum(cm.sum(axis=1), 1)),
        r"diagonal|np\.diag|true positive",
    ),
    Case("changes cm in place", _pr_inplace, r"chang|in place|modif"),
]


def _topk_ref(y_true, probs, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


def _topk_slice(slicer):
    def top_k_accuracy(y_true, probs, k):
        top = slicer(np.argsort(probs, axis=1), k)
        return float(np.mean(np.any(top == y_true[:, None], axis=1)))

    return top_k_accuracy


def _topk_rank(y_true, probs, k):
    true_prob = probs[np.arange(len(y_true)), y_true]
    return float(np.mean((probs > true_prob[:, None]).sum(axis=1) < k))


def _topk_loop(y_true, probs, k):
    hits = 0
    for label, row in zip(y_true, probs):
        hits += label in sorted(range(len(row)), key=lambda c: row[c], reverse=True)[:k]
    return hits / len(y_true)


def _topk_sort_inplace(y_true, probs, k):
    order = np.argsort(probs, axis=1)
    probs.sort(axis=1)
    return float(np.mean(np.any(order[:, -k:] == y_true[:, None], axis=1)))


def _topk_no_newaxis(y_true, probs, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true, axis=1)))


def _topk_values(y_true, probs, k):
    top = np.sort(probs, axis=1)[:, -k:]
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


TOP_K_ACCURACY = [
    Case("reference", _topk_ref, ACCEPTED),
    Case("argsort of -probs", _topk_slice(lambda order, k: order[:, ::-1][:, :k]), ACCEPTED),
    Case(
        "argpartition",
        lambda y, p, k: float(
            np.mean(np.any(np.argpartition(-p, k - 1, axis=1)[:, :k] == y[:, None], axis=1))
        ),
        ACCEPTED,
    ),
    Case("rank of the true class", _topk_rank, ACCEPTED),
    Case("loop over rows", _topk_loop, ACCEPTED),
    Case(
        "the k smallest ([:, :k])",
        _topk_slice(lambda order, k: order[:, :k]),
        r"smallest|ascending|largest",
    ),
    Case(
        "off by one ([:, -k-1:])",
        _topk_slice(lambda order, k: order[:, -k - 1 :]),
        r"k\b|one too many|k \+ 1",
    ),
    Case("off by one ([:, -k+1:])", _topk_slice(lambda order, k: order[:, -k + 1 :]), r"k\b|-k"),
    Case(
        "argsort over axis 0",
        lambda y, p, k: float(np.mean(np.any(np.argsort(p, axis=0)[:, -k:] == y[:, None], axis=1))),
        r"axis|row",
    ),
    Case("ignores k (argmax)", lambda y, p, k: float(np.mean(np.argmax(p, axis=1) == y)), r"\bk\b"),
    Case("k hard-coded to 3", lambda y, p, k: _topk_ref(y, p, 3), r"\bk\b"),
    Case("no y_true[:, None]", _topk_no_newaxis, r"\[:, None\]|broadcast|column"),
    Case(
        "returns the count",
        lambda y, p, k: float(np.sum(np.any(np.argsort(p, axis=1)[:, -k:] == y[:, None], axis=1))),
        r"fraction|count|divide",
    ),
    Case(
        "returns a percentage",
        lambda y, p, k: 100 * _topk_ref(y, p, k),
        r"fraction|percent|between 0 and 1",
    ),
    Case("compares probabilities with labels", _topk_values, r"argsort|indices|probabilit"),
    Case("sorts probs in place", _topk_sort_inplace, r"chang|in place|modif"),
    Case(
        "the course's own metrics.top_k_accuracy",
        lambda y, p, k: _course("metrics").top_k_accuracy(y, p, k=k),
        r"switched off",
    ),
]


CATALOGUE = {
    ("lesson07", "precision_recall"): PRECISION_RECALL,
    ("lesson07", "top_k_accuracy"): TOP_K_ACCURACY,
}
