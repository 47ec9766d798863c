"""The checkers of lessons 04 and 05: what the catalogue's cases do not show.

The wrong answers and their hints are in course_utils/exercises/catalogue/ (run by
test_exercises_catalogue.py); what every exercise must do is tested in test_exercises.py."""

import keras
import numpy as np

from course_utils.exercises import FAILED, lesson04, lesson05
from course_utils.mlp_from_scratch import cross_entropy_from_logits

# --- lesson 04: cross_entropy ---------------------------------------------------------


def test_the_library_loss_is_a_forbidden_shortcut_in_the_cross_entropy_exercise():
    result = lesson04.cross_entropy.evaluate(
        cross_entropy_from_logits
    )  # it calls tf.nn.sparse_softmax_...
    assert result.status == FAILED
    assert "switched off" in result.message, result.message
    assert lesson04.cross_entropy.evaluate(lesson04.cross_entropy.reference).passed, (
        "the shortcuts are restored"
    )
    assert float(cross_entropy_from_logits(np.zeros((2, 3), np.float32), np.array([0, 1]))) > 0


# --- lesson 05: build_model -----------------------------------------------------------


def test_the_lessons_own_network_is_not_the_answer_to_the_variant():
    """The check builds other sizes than the lesson's: the network of section 2 does not pass."""
    from course_utils.keras_dense import build_dense_model

    result = lesson05.build_model.evaluate(lambda hidden_units, dropout_rate: build_dense_model())
    assert result.status == FAILED
    assert "the lesson's network" in result.message, result.message


# --- lesson 05: make_optimizer --------------------------------------------------------


def test_make_optimizer_accepts_a_decaying_schedule_that_starts_in_range():
    schedule = keras.optimizers.schedules.ExponentialDecay(2e-3, decay_steps=100, decay_rate=0.5)
    assert lesson05.make_optimizer.evaluate(
        lambda: keras.optimizers.Adam(learning_rate=schedule)
    ).passed
