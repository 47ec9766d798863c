"""Tests of course_utils.gradient_descent: the gradient, the descent, the exact answer, TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import gradient_descent as gd
from course_utils.gradcheck import numerical_gradient

X, Y = gd.make_linear_data(40, true_w=2.0, true_b=-1.0, noise_std=0.3, seed=3)


def test_data_is_seeded_and_follows_the_line():
    x, y = gd.make_linear_data(200, true_w=-3.0, true_b=0.5, noise_std=0.1, seed=7)
    again = gd.make_linear_data(200, true_w=-3.0, true_b=0.5, noise_std=0.1, seed=7)
    np.testing.assert_array_equal(x, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert x.shape == y.shape == (200,)
    assert np.all((x >= -1) & (x <= 3))
    np.testing.assert_allclose(gd.least_squares(x, y), (-3.0, 0.5), atol=0.05)
    assert not np.array_equal(x, gd.make_linear_data(200, seed=8)[0])


@pytest.mark.parametrize("w, b", [(0.0, 0.0), (2.5, -0.3), (-1.0, 4.0)])
def test_mse_gradient_matches_finite_differences(w, b):
    numeric = numerical_gradient(lambda p: gd.mse_loss(X, Y, p[0], p[1]), np.array([w, b]))
    np.testing.assert_allclose(
        gd.mse_gradient(X, Y, w, b), numeric, rtol=1e-6, err_msg=f"mse_gradient at ({w}, {b})"
    )


def test_mse_loss_agrees_with_losses_module():
    from course_utils.losses import mse

    assert gd.mse_loss(X, Y, 1.5, 0.2) == pytest.approx(mse(Y, gd.predict(X, 1.5, 0.2)))


def test_one_step_goes_downhill_by_the_gradient():
    dw, db = gd.mse_gradient(X, Y, 0.0, 0.0)
    w, b = gd.gradient_descent_step(X, Y, 0.0, 0.0, learning_rate=0.05)
    assert (w, b) == pytest.approx((-0.05 * dw, -0.05 * db))
    assert gd.mse_loss(X, Y, w, b) < gd.mse_loss(X, Y, 0.0, 0.0)


def test_descent_reaches_the_least_squares_answer():
    exact = gd.least_squares(X, Y)
    path = gd.gradient_descent(X, Y, learning_rate=0.2, num_steps=300)
    assert path.num_steps == 300 and path.w.shape == path.b.shape == path.loss.shape == (301,)
    assert path.final == pytest.approx(exact, abs=1e-8)
    assert np.all(np.diff(path.loss) <= 1e-12), "the loss must never rise at a stable learning rate"
    assert not path.diverged
    assert path.loss[0] == pytest.approx(gd.mse_loss(X, Y, 0.0, 0.0))


def test_least_squares_agrees_with_polyfit():
    np.testing.assert_allclose(gd.least_squares(X, Y), np.polyfit(X, Y, 1), rtol=1e-10)


def test_learning_rate_above_the_bound_diverges_and_below_converges():
    limit = gd.max_stable_learning_rate(X)
    below = gd.gradient_descent(X, Y, learning_rate=0.95 * limit, num_steps=2000)
    above = gd.gradient_descent(X, Y, learning_rate=1.1 * limit, num_steps=2000)
    assert not below.diverged and below.final == pytest.approx(gd.least_squares(X, Y), abs=1e-6)
    assert above.diverged and above.num_steps < 2000, "a diverging run stops once the loss explodes"
    assert above.loss[-1] > gd.DIVERGED_LOSS


def test_slow_growth_counts_as_diverged():
    path = gd.gradient_descent(
        X, Y, learning_rate=1.02 * gd.max_stable_learning_rate(X), num_steps=40
    )
    assert path.num_steps == 40 and path.diverged


def test_loss_surface_matches_pointwise_loss():
    w_values, b_values = np.linspace(-1, 4, 6), np.linspace(-3, 2, 5)
    surface = gd.loss_surface(X, Y, w_values, b_values)
    assert surface.shape == (5, 6)
    expected = [[gd.mse_loss(X, Y, w, b) for w in w_values] for b in b_values]
    np.testing.assert_allclose(surface, expected, rtol=1e-10)


def test_gradient_tape_takes_the_same_steps():
    numpy_path = gd.gradient_descent(X, Y, learning_rate=0.1, num_steps=50, w0=1.0, b0=1.0)
    tf_path = gd.fit_with_gradient_tape(
        X, Y, learning_rate=0.1, num_steps=50, w0=1.0, b0=1.0, dtype="float64"
    )
    np.testing.assert_allclose(tf_path.w, numpy_path.w, rtol=1e-10)
    np.testing.assert_allclose(tf_path.b, numpy_path.b, rtol=1e-10)
    np.testing.assert_allclose(tf_path.loss, numpy_path.loss, rtol=1e-10)
    float32 = gd.fit_with_gradient_tape(X, Y, learning_rate=0.1, num_steps=50, w0=1.0, b0=1.0)
    np.testing.assert_allclose(float32.final, numpy_path.final, atol=1e-4)


def test_gradient_tape_stops_when_diverging():
    path = gd.fit_with_gradient_tape(X, Y, learning_rate=2.0, num_steps=500)
    assert path.diverged and path.num_steps < 500


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: gd.mse_gradient(X, Y[:-1], 0.0, 0.0), ValueError, "same shape"),
        (lambda: gd.mse_gradient(X[:, None], Y, 0.0, 0.0), ValueError, r"shape \(N,\)"),
        (lambda: gd.mse_loss(["a"], ["b"], 0.0, 0.0), TypeError, "numbers"),
        (lambda: gd.gradient_descent(X, Y, learning_rate=0.0, num_steps=5), ValueError, "positive"),
        (
            lambda: gd.gradient_descent(X, Y, learning_rate="0.1", num_steps=5),
            TypeError,
            "learning_rate",
        ),
        (
            lambda: gd.gradient_descent(X, Y, learning_rate=0.1, num_steps=-1),
            ValueError,
            "num_steps",
        ),
        (lambda: gd.least_squares(np.ones(5), np.arange(5.0)), ValueError, "two different x"),
        (lambda: gd.make_linear_data(1), ValueError, "num_points"),
        (lambda: gd.make_linear_data(10, x_range=(3, 1)), ValueError, "x_range"),
        (lambda: gd.loss_surface(X, Y, np.ones((2, 2)), np.ones(3)), ValueError, "1-D"),
    ],
)
def test_bad_input_says_what_was_expected(call, error, match):
    with pytest.raises(error, match=match):
        call()
