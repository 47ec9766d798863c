"""Tests of course_utils.metrics: hand-computed cases, laws, and Keras' metrics as the reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import metrics

# Class 2 occurs twice but is never predicted.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 0, 1])


def random_case(seed: int, n: int = 200, k: int = 10):
    """Probabilities from a noisy classifier that is right about 70% of the time."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 2.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probs.astype(np.float32)


# --- hand-computed cases --------------------------------------------------------------------------


def test_confusion_matrix_by_hand():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(cm, [[2, 1, 0], [0, 2, 0], [1, 1, 0]])
    assert cm.dtype == np.int64
    wider = metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=5)
    assert wider.shape == (5, 5) and wider[3:].sum() == 0 and wider[:, 3:].sum() == 0


def test_scores_by_hand_with_a_class_never_predicted():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        scores = metrics.precision_recall_f1(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(scores.precision, [2 / 3, 1 / 2, 0.0])
    np.testing.assert_allclose(scores.recall, [2 / 3, 1.0, 0.0])
    np.testing.assert_allclose(scores.f1, [2 / 3, 2 / 3, 0.0])
    np.testing.assert_array_equal(scores.support, [3, 2, 2])
    assert scores.macro == pytest.approx({"precision": 7 / 18, "recall": 5 / 9, "f1": 4 / 9})
    assert scores.weighted == pytest.approx({"precision": 3 / 7, "recall": 4 / 7, "f1": 10 / 21})


def test_a_class_never_present_and_never_predicted_scores_zero_without_warnings():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        scores = metrics.precision_recall_f1(Y_TRUE, Y_PRED, num_classes=4)
    assert scores.precision[3] == scores.recall[3] == scores.f1[3] == 0.0
    assert scores.support[3] == 0
    # It counts in the macro average (as a 0) but has no weight in the weighted one.
    assert scores.macro["f1"] == pytest.approx((2 / 3 + 2 / 3) / 4)
    assert scores.weighted["f1"] == pytest.approx(10 / 21)


def test_a_class_predicted_but_never_present():
    scores = metrics.precision_recall_f1([0, 0], [0, 1])
    np.testing.assert_allclose(scores.precision, [1.0, 0.0])
    np.testing.assert_allclose(scores.recall, [0.5, 0.0])
    np.testing.assert_allclose(scores.f1, [2 / 3, 0.0])


def test_classification_report_and_its_table():
    report = metrics.classification_report(Y_TRUE, Y_PRED, class_names=["zero", "one", "two"])
    assert list(report) == ["zero", "one", "two", "accuracy", "macro avg", "weighted avg"]
    assert report["two"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert report["accuracy"] == pytest.approx(4 / 7)
    assert report["macro avg"]["support"] == 7
    assert report["weighted avg"]["recall"] == pytest.approx(4 / 7)
    table = metrics.format_report(report, digits=2)
    lines = table.splitlines()
    assert lines[0].split() == ["precision", "recall", "f1", "support"]
    assert lines[2].split() == ["zero", "0.67", "0.67", "0.67", "3"]
    assert lines[-3].split() == ["accuracy", "0.57", "7"]
    assert lines[-2].split() == ["macro", "avg", "0.39", "0.56", "0.44", "7"]


def test_top_k_accuracy_by_hand():
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.3, 0.6], [0.2, 0.7, 0.1]])
    y = np.array([1, 0, 0])  # ranks of the true class: 2nd, 3rd, 2nd
    assert metrics.top_k_accuracy(y, probs, k=1) == 0.0
    assert metrics.top_k_accuracy(y, probs, k=2) == pytest.approx(2 / 3)
    assert metrics.top_k_accuracy(y, probs, k=3) == 1.0


def test_most_confused_pairs_by_hand():
    cm = np.array([[50, 3, 0], [1, 40, 3], [5, 0, 60]])
    assert metrics.most_confused_pairs(cm, top=3) == [(2, 0, 5), (0, 1, 3), (1, 2, 3)]
    assert metrics.most_confused_pairs(np.eye(3, dtype=int)) == []


def test_reliability_bins_by_hand():
    probs = np.array([[0.95, 0.05]] * 3 + [[0.45, 0.55]] * 2)
    y = np.array([0, 0, 1, 1, 0])  # 0.95-confident: 2 of 3 right; 0.55-confident: 1 of 2
    bins = metrics.reliability_bins(y, probs, num_bins=10)
    assert bins.counts.tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 0, 3]
    assert bins.confidence[9] == pytest.approx(0.95) and bins.accuracy[9] == pytest.approx(2 / 3)
    assert bins.confidence[5] == pytest.approx(0.55) and bins.accuracy[5] == pytest.approx(0.5)
    assert np.isnan(bins.accuracy[0])
    ece = 3 / 5 * (0.95 - 2 / 3) + 2 / 5 * 0.05
    assert bins.expected_calibration_error == pytest.approx(ece)
    assert metrics.expected_calibration_error(y, probs) == pytest.approx(ece)


def test_reliability_bin_edges_belong_to_the_lower_bin():
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    bins = metrics.reliability_bins(np.array([0, 0]), probs, num_bins=10)
    assert bins.counts[9] == 1 and bins.counts[4] == 1


# --- against Keras ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    """Keras, imported only by the tests that compare with it (the rest are plain numpy)."""
    import keras

    return keras


def keras_value(metric, y_true, y_pred):
    from keras import ops

    metric.update_state(y_true, y_pred)
    return np.asarray(ops.convert_to_numpy(metric.result()), dtype=np.float64)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("average", [None, "macro", "weighted"])
def test_f1_matches_keras_f1score(seed, average, keras):
    y, probs = random_case(seed)
    ours = metrics.precision_recall_f1(y, probs.argmax(axis=1), num_classes=10)
    # threshold=None: Keras turns each row's largest probability into the prediction.
    theirs = keras_value(
        keras.metrics.F1Score(average=average, threshold=None), keras.ops.one_hot(y, 10), probs
    )
    expected = {None: ours.f1, "macro": ours.macro["f1"], "weighted": ours.weighted["f1"]}[average]
    np.testing.assert_allclose(expected, theirs, atol=1e-5, err_msg=f"F1 average={average}")


def test_f1_matches_keras_when_a_class_is_never_predicted_nor_present(keras):
    y, probs = random_case(2, n=60, k=4)
    probs[:, 3] = 0.0  # class 3 is never predicted ...
    keep = y != 3  # ... and never present
    y, probs = y[keep], probs[keep]
    ours = metrics.precision_recall_f1(y, probs.argmax(axis=1), num_classes=4)
    theirs = keras_value(
        keras.metrics.F1Score(average=None, threshold=None), keras.ops.one_hot(y, 4), probs
    )
    np.testing.assert_allclose(ours.f1, theirs, atol=1e-5)
    assert ours.f1[3] == 0.0


@pytest.mark.parametrize("class_id", [0, 3, 9])
def test_precision_and_recall_match_keras_per_class(class_id, keras):
    y, probs = random_case(3)
    y_pred = probs.argmax(axis=1)
    ours = metrics.precision_recall_f1(y, y_pred, num_classes=10)
    # Keras' Precision/Recall are binary: one-hot truth, one-hot prediction, threshold 0.5.
    truth, predicted = keras.ops.one_hot(y, 10), keras.ops.one_hot(y_pred, 10)
    precision = keras_value(keras.metrics.Precision(class_id=class_id), truth, predicted)
    recall = keras_value(keras.metrics.Recall(class_id=class_id), truth, predicted)
    np.testing.assert_allclose(ours.precision[class_id], precision, atol=1e-6)
    np.testing.assert_allclose(ours.recall[class_id], recall, atol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_top_k_matches_keras(k, keras):
    y, probs = random_case(4)
    theirs = keras.metrics.top_k_categorical_accuracy(keras.ops.one_hot(y, 10), probs, k=k)
    theirs = float(np.mean(keras.ops.convert_to_numpy(theirs)))
    assert metrics.top_k_accuracy(y, probs, k=k) == pytest.approx(theirs)
    if k == 1:
        assert metrics.top_k_accuracy(y, probs, k=1) == metrics.accuracy(y, probs.argmax(axis=1))


# --- laws ----------------------------------------------------------------------------------------

labels = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(labels)
def test_laws_of_the_scores(pairs):
    y_true, y_pred = (np.array(column) for column in zip(*pairs))
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=6)
    scores = metrics.scores_from_confusion(cm)
    assert cm.sum() == len(y_true)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=6))
    for name in ("precision", "recall", "f1"):
        values = getattr(scores, name)
        assert np.all((values >= 0) & (values <= 1)), name
    # Weighted recall is accuracy; F1 is the harmonic mean where precision + recall > 0.
    assert scores.weighted["recall"] == pytest.approx(metrics.accuracy(y_true, y_pred))
    both = scores.precision + scores.recall > 0
    harmonic = (
        2 * scores.precision[both] * scores.recall[both] / (scores.precision + scores.recall)[both]
    )
    np.testing.assert_allclose(scores.f1[both], harmonic)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 20))
def test_ece_lies_in_0_1_and_bins_count_everything(seed, num_bins):
    y, probs = random_case(seed, n=50, k=4)
    bins = metrics.reliability_bins(y, probs, num_bins=num_bins)
    assert bins.counts.sum() == 50
    assert 0.0 <= bins.expected_calibration_error <= 1.0


# --- bad input ------------------------------------------------------------------------------------


def test_bad_labels_raise_clear_errors():
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        metrics.confusion_matrix([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 3\), got values from -1 to 1"):
        metrics.confusion_matrix([-1, 0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match=r"y_pred must lie in \[0, 2\)"):
        metrics.precision_recall_f1([0, 1], [0, 2], num_classes=2)
    with pytest.raises(ValueError, match="argmax"):
        metrics.confusion_matrix(np.eye(3), [0, 1, 2])
    with pytest.raises(TypeError, match="integers"):
        metrics.confusion_matrix([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match="num_classes"):
        metrics.confusion_matrix([0], [0], num_classes=0)
    with pytest.raises(ValueError, match="empty"):
        metrics.accuracy([], [])


def test_bad_scores_raise_clear_errors():
    y, probs = random_case(5, n=10)
    with pytest.raises(ValueError, match="10 labels but probs has 9 rows"):
        metrics.top_k_accuracy(y, probs[:9])
    with pytest.raises(ValueError, match=r"\(N, num_classes\)"):
        metrics.top_k_accuracy(y, probs[:, 0])
    with pytest.raises(ValueError, match="k must be a positive int"):
        metrics.top_k_accuracy(y, probs, k=0)
    with pytest.raises(ValueError, match=r"y_true must lie in \[0, 10\)"):
        metrics.top_k_accuracy(y + 10, probs)
    with pytest.raises(ValueError, match="softmax"):
        metrics.reliability_bins(y, probs * 5)
    with pytest.raises(ValueError, match="finite"):
        metrics.reliability_bins(y, np.full((10, 10), np.nan))
    with pytest.raises(ValueError, match="square"):
        metrics.most_confused_pairs(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class_names has 2 names but there are 3 classes"):
        metrics.classification_report(Y_TRUE, Y_PRED, class_names=["a", "b"])


# --- the figures of course_utils.plotting.evaluation ----------------------------------------------


@pytest.fixture
def figures(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FIGURES_DIR", str(tmp_path))
    import matplotlib

    matplotlib.use("Agg")
    yield tmp_path
    import matplotlib.pyplot as plt

    plt.close("all")


def test_evaluation_figures_draw_and_save(figures):
    from matplotlib.figure import Figure

    from course_utils import plotting

    y, probs = random_case(6, n=40)
    images = np.random.default_rng(0).integers(0, 255, size=(40, 28, 28), dtype=np.uint8)
    cm = metrics.confusion_matrix(y, probs.argmax(axis=1), num_classes=10)
    drawn = [
        plotting.confusion_matrix_plot(cm, save_as="07_test_cm"),
        plotting.misclassified_gallery(images, y, probs, max_images=12, save_as="07_test_gallery"),
        plotting.per_class_scores(metrics.precision_recall_f1(y, probs.argmax(axis=1))),
        plotting.reliability_diagram(metrics.reliability_bins(y, probs)),
    ]
    assert all(isinstance(fig, Figure) for fig in drawn)
    assert (figures / "07_test_cm.png").stat().st_size > 1000
    assert (figures / "07_test_gallery.png").stat().st_size > 1000
    wrong = int(np.sum(probs.argmax(axis=1) != y))
    assert len([ax for ax in drawn[1].axes if ax.images]) == min(12, wrong)


def test_gallery_puts_the_most_confident_mistake_first(figures):
    from course_utils import plotting

    probs = np.array([[0.6, 0.4], [0.1, 0.9], [0.3, 0.7]])
    fig = plotting.misclassified_gallery(np.zeros((3, 28, 28)), np.array([1, 0, 0]), probs)
    drawn = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in drawn] == [
        "0 · pred 1 · 90%",
        "0 · pred 1 · 70%",
        "1 · pred 0 · 60%",
    ]
    assert {ax.title.get_color() for ax in drawn} == {plotting.PALETTE[3]}, (
        "mistakes are titled in red"
    )


def test_evaluation_figures_reject_bad_input(figures):
    from course_utils import plotting

    with pytest.raises(ValueError, match="square"):
        plotting.confusion_matrix_plot(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="same length"):
        plotting.misclassified_gallery(np.zeros((3, 28, 28)), np.array([0, 1]), np.eye(3))
    with pytest.raises(TypeError, match="ClassScores"):
        plotting.per_class_scores({"f1": [1.0]})
    with pytest.raises(TypeError, match="ReliabilityBins"):
        plotting.reliability_diagram(np.zeros(10))
