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


def _pr_warns(cm):
    import warnings

    tp = np.diag(cm).astype(float)
    with np.errstate(all="ignore"):
        precision, recall = tp / cm.sum(axis=0), tp / cm.sum(axis=1)
    warnings.warn("division by zero", RuntimeWarning, stacklevel=1)
    return np.nan_to_num(precision), np.nan_to_num(recall)


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
    Case("divides by zero and hides it with nan_to_num", _pr_warns, r"warned"),
    Case(
        "one array: the diagonal over the total", lambda cm: np.diag(cm) / cm.sum(), r"two arrays"
    ),
    Case(
        "out=np.zeros_like(tp) on an integer matrix (the NaN hint copied as written)",
        lambda cm: (
            np.divide(
                np.diag(cm),
                cm.sum(axis=0),
                out=np.zeros_like(np.diag(cm)),
                where=cm.sum(axis=0) > 0,
            ),
            np.divide(
                np.diag(cm),
                cm.sum(axis=1),
                out=np.zeros_like(np.diag(cm)),
                where=cm.sum(axis=1) > 0,
            ),
        ),
        r"float array",
    ),
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
    Case(
        "one value per example, not averaged",
        lambda y_true, probs, k: np.any(
            np.argsort(probs, axis=1)[:, -k:] == y_true[:, None], axis=1
        ),
        r"one value per example",
    ),
]


def _abstain_ref(probs, thresholds):
    predicted = probs.argmax(axis=1)
    return np.where(probs.max(axis=1) >= thresholds[predicted], predicted, -1)


def _abstain_loop(probs, thresholds):
    decisions = []
    for row in probs:
        best = int(np.argmax(row))
        decisions.append(best if row[best] >= thresholds[best] else -1)
    return np.array(decisions)


def _abstain_take_along(probs, thresholds):
    predicted = np.argmax(probs, axis=1)
    confidence = np.take_along_axis(probs, predicted[:, None], axis=1)[:, 0]
    decisions = predicted.copy()
    decisions[confidence < thresholds[predicted]] = -1
    return decisions


def _abstain_margin(probs, thresholds):
    # probability minus its class's threshold, for every class; answer where the top class's is >= 0
    predicted = probs.argmax(axis=1)
    margin = (probs - thresholds)[np.arange(len(probs)), predicted]
    return np.where(margin >= 0, predicted, -1)


def _abstain_with(compare=np.greater_equal, threshold=None, abstain=-1, pick=np.argmax):
    def predict_or_abstain(probs, thresholds):
        predicted = pick(probs, axis=1)
        confidence = probs[np.arange(len(probs)), predicted]
        limit = thresholds[predicted] if threshold is None else threshold(thresholds)
        return np.where(compare(confidence, limit), predicted, abstain)

    return predict_or_abstain


def _abstain_first_passing(probs, thresholds):
    passes = probs >= thresholds
    return np.where(passes.any(axis=1), passes.argmax(axis=1), -1)


def _abstain_best_passing(probs, thresholds):
    passes = probs >= thresholds
    return np.where(passes.any(axis=1), np.where(passes, probs, -1).argmax(axis=1), -1)


def _abstain_by_row(probs, thresholds):
    predicted = probs.argmax(axis=1)
    return np.where(
        probs.max(axis=1) >= thresholds[np.arange(len(probs)) % len(thresholds)], predicted, -1
    )


def _abstain_zeroes_probs(probs, thresholds):
    probs[probs < thresholds] = 0  # drop what misses its threshold
    predicted = probs.argmax(axis=1)
    return np.where(probs.max(axis=1) > 0, predicted, -1)


PREDICT_OR_ABSTAIN = [
    Case("reference", _abstain_ref, ACCEPTED),
    Case("loop over rows", _abstain_loop, ACCEPTED),
    Case("take_along_axis and a mask", _abstain_take_along, ACCEPTED),
    Case("margin over its threshold", _abstain_margin, ACCEPTED),
    Case("abstains with 0", _abstain_with(abstain=0), r"digit 0|-1"),
    Case("> instead of >=", _abstain_with(compare=np.greater), r">=|exactly"),
    Case("comparison reversed", _abstain_with(compare=np.less), r"wrong way|reaches"),
    Case(
        "one threshold: thresholds[0]",
        _abstain_with(threshold=lambda t: t[0]),
        r"one threshold|own",
    ),
    Case("one threshold: the mean", _abstain_with(threshold=np.mean), r"one threshold|own"),
    Case("one threshold: the smallest", _abstain_with(threshold=np.min), r"one threshold|own"),
    Case("first class over its threshold", _abstain_first_passing, r"first class|argmax"),
    Case("most probable among those passing", _abstain_best_passing, r"less probable|argmax"),
    Case(
        "thresholds indexed by the example",
        _abstain_by_row,
        r"indexed by the example|predicted class",
    ),
    Case("argmin", _abstain_with(pick=np.argmin), r"argmin"),
    Case(
        "argmax over axis 0",
        lambda p, t: np.where(p.max(axis=0) >= t, p.argmax(axis=0), -1),
        r"axis=1|per example|\(N,\)",
    ),
    Case(
        "returns the mask",
        lambda p, t: p.max(axis=1) >= t[p.argmax(axis=1)],
        r"the class itself|whether",
    ),
    Case(
        "returns the confidence",
        lambda p, t: np.where(p.max(axis=1) >= t[p.argmax(axis=1)], p.max(axis=1), -1.0),
        r"confidence|integer",
    ),
    Case(
        "NaN for abstaining",
        lambda p, t: np.where(p.max(axis=1) >= t[p.argmax(axis=1)], p.argmax(axis=1), np.nan),
        r"NaN|-1",
    ),
    Case("zeroes probs in place", _abstain_zeroes_probs, r"chang|in place|modif"),
    Case(
        "returns (decisions, mask)",
        lambda p, t: (_abstain_ref(p, t), p.max(axis=1) >= t[p.argmax(axis=1)]),
        r"one array|tuple",
    ),
]


CATALOGUE = {
    ("lesson07", "precision_recall"): PRECISION_RECALL,
    ("lesson07", "top_k_accuracy"): TOP_K_ACCURACY,
    ("lesson07", "predict_or_abstain"): PREDICT_OR_ABSTAIN,
}
