"""course_utils: the tested helper package of the MNIST course.

Importing it is cheap (no TensorFlow); modules that need TensorFlow import it
themselves. See CONTRIBUTING.md for the contract the lessons share.

Where each lesson's code lives (one module per idea; each module's docstring
says which lesson teaches it):

=======================  =====================================================
lesson                   modules
=======================  =====================================================
00 setup and MNIST       ``data``, ``plotting`` (``plotting.dataset``)
01 gradient descent      ``gradient_descent``, ``widgets``
02 activations           ``activations``
03 losses                ``losses``, ``gradcheck``
04 MLP, GradientTape     ``mlp_from_scratch``, ``history``, ``reproducibility``
05 Keras dense network   ``keras_dense`` (datasets, the ``EpochTimer`` callback)
06 numpy CNN             ``layers`` (plain, as taught), ``fast_layers`` (the same,
                         fast), ``network``, ``optim``, ``parallel``
07 Keras CNN, evaluation ``keras_cnn``, ``metrics``
08 your own digits       ``preprocess``, ``handwriting``, ``render``
09 serving              ``serve``
=======================  =====================================================

Called by the lessons but not what they teach: ``progress`` (``course_utils.progress()``:
the exercises you have passed), ``results`` (``record``), ``paths``
(where files are), ``reproducibility`` (``set_seed``), ``history`` (epoch timer),
``plotting`` (every figure), ``widgets``, ``exercises`` (the checkers, one module per
lesson) and ``_validate`` (the shared argument checks).

Course machinery (the runner, the lesson table, notebook cleaning, the environment
check, the benchmarks, the book, the slides, the lecturers' notes) lives apart in
``course_utils/tools/``: a learner never needs to open it.
"""

from .progress import progress
from .reproducibility import set_seed
from .results import record
from .tools.environment import check_environment
from .tools.lessons import use_quick_values

__version__ = "0.2.0"  # the one place; pyproject.toml reads it, CHANGELOG.md describes it
__all__ = ["check_environment", "progress", "record", "set_seed", "use_quick_values", "__version__"]
