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
                         fast), ``network``, ``optim``, ``parallel``, ``bench``
07 Keras CNN, evaluation ``keras_cnn``, ``metrics``
08 your own digits       ``preprocess``, ``handwriting``, ``render``
09 serving              ``serve``
=======================  =====================================================

Course machinery, not taught: ``run`` (executes the lessons), ``nbclean``
(keeps them clean in git), ``lessons`` (the lesson table and fast parameters),
``results`` (``record``), ``paths``, ``environment``, ``bench`` and
``bench_preprocess``/``bench_serve`` (measurements), ``book``, ``slides``,
``lecturer_notes``; ``exercises`` holds the checkers, one module per lesson;
``_validate`` the shared argument checks.
"""

from .environment import check_environment
from .reproducibility import set_seed
from .results import record

__version__ = "0.1.0"
__all__ = ["check_environment", "record", "set_seed", "__version__"]
