"""The lesson table: every notebook of the course, in order.

This is the one place that defines the ``--fast`` parameters: small values that
let a lesson run in about a minute on two CPU cores while still checking that
its model learns. Without ``--fast`` a lesson runs with its own defaults (the
full lesson). The wall times of both runs are measured by ``python -m course_utils.tools.run``
and shown in the README's lesson table.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course.

    ``name`` is the file stem in ``notebooks/``; ``fast`` maps parameter names
    (declared in the notebook's ``parameters`` cell) to the values of a fast run.
    """

    name: str
    title: str
    fast: dict = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def filename(self) -> str:
        return f"{self.name}.ipynb"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_setup_and_mnist", "Setup and a first look at MNIST", fast={}),
    Lesson(
        "01_linear_regression_gd", "The neuron, linear regression and gradient descent", fast={}
    ),
    Lesson("02_activations", "Activation functions", fast={}),
    Lesson("03_losses", "Loss functions", fast={}),
    Lesson(
        "04_mlp_gradienttape",
        "An MLP from scratch with tf.GradientTape",
        fast={
            "NUM_TRAIN": 3000,
            "NUM_EPOCHS": 1,
            "NUM_DEMO": 1000,
            "NUM_DEMO_EPOCHS": 1,
            "NUM_TIMING": 1000,
        },
    ),
    Lesson(
        "05_keras_ann",
        "A Keras Sequential network",
        fast={"NUM_TRAIN": 3000, "NUM_EPOCHS": 1, "NUM_LR_TRAIN": 2000, "NUM_LR_EPOCHS": 2},
    ),
    Lesson(
        "06_numpy_cnn",
        "A convolutional network in pure numpy",
        fast={"NUM_TRAIN": 3000, "NUM_EPOCHS": 2, "TIMING_BATCHES": 1},
    ),
    Lesson(
        "07_keras_cnn_evaluation",
        "A Keras CNN and how to evaluate it",
        fast={"NUM_TRAIN": 3000, "NUM_EPOCHS_ORIGINAL": 1, "NUM_EPOCHS": 2, "NUM_LOOP_IMAGES": 50},
    ),
    Lesson(
        "08_your_own_digits",
        "Recognising your own handwriting",
        fast={"NUM_TRAIN": 4000, "NUM_EPOCHS": 2},
    ),
    Lesson(
        "09_serve_the_model",
        "Serving the model over HTTP",
        fast={"NUM_TRAIN": 4000, "NUM_EPOCHS": 2, "NUM_REQUESTS": 96},
    ),
    Lesson(
        "10_beyond_one_machine",
        "Beyond one machine: several workers, several replicas",
        fast={
            "NUM_STEPS": 10,
            "NUM_TIMING_STEPS": 10,
            "NUM_TRAIN": 4000,
            "NUM_EPOCHS": 2,
            "NUM_REQUESTS": 120,
        },
    ),
)


def lesson(name_or_number: str) -> Lesson:
    """Return the lesson whose name or two-digit number is ``name_or_number``."""
    key = str(name_or_number).removesuffix(".ipynb")
    for item in LESSONS:
        if key in (item.name, item.number) or (key.isdigit() and int(key) == int(item.number)):
            return item
    known = ", ".join(item.name for item in LESSONS)
    raise ValueError(f"no lesson called {name_or_number!r}; the lessons are: {known}")


def use_quick_values(namespace: dict, lesson_name: str) -> dict:
    """Apply lesson ``lesson_name``'s quick values to ``namespace`` when it says ``QUICK = True``.

    Called by every lesson in the cell after its parameters cell, with ``globals()``:
    a learner switches a lesson to its quick values by editing one line,
    ``QUICK = True``. The values are the ones ``python -m course_utils.tools.run --fast``
    injects, defined once in :data:`LESSONS`. Prints one line saying which values the
    lesson runs with, and returns the quick values that were applied (``{}`` if none).
    """
    from ..i18n import _

    quick = lesson(lesson_name).fast
    applied = dict(quick) if namespace.get("QUICK") else {}
    namespace.update(applied)
    if not quick:
        print(_("This lesson is quick as it is: QUICK changes nothing."))
    elif all(namespace.get(key) == value for key, value in quick.items()):
        shown = ", ".join(f"{key} = {value!r}" for key, value in quick.items())
        print(
            _("Quick values: {shown}. For the full lesson set QUICK = False.").format(shown=shown)
        )
    else:
        print(
            _("Full lesson. For a quick run (about a minute), set QUICK = True in the cell above.")
        )
    return applied
