"""One call that makes a run repeatable.

``set_seed(seed)`` seeds Python's ``random``, numpy's global generator and
TensorFlow/Keras (through ``keras.utils.set_random_seed``). Numpy code in this
package never relies on the global generator: it takes a ``seed`` or a
``numpy.random.Generator``. Taught in notebooks/04_mlp_gradienttape.ipynb.
"""

from __future__ import annotations

import numpy as np


def set_seed(seed: int, *, deterministic_ops: bool = False) -> int:
    """Seed Python, numpy and TensorFlow/Keras; return ``seed``.

    With ``deterministic_ops=True`` TensorFlow also picks deterministic kernels
    (slower; bit-identical runs on the same machine).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    import keras

    keras.utils.set_random_seed(int(seed))  # seeds Python's random, numpy and the backend
    # Keras before 3.13 (the newest on Python 3.10) keeps its global SeedGenerator across
    # set_random_seed, so keras.random draws did not repeat; 3.13 clears it (keras#21874).
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_seed_generator", None)
    if deterministic_ops:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return int(seed)
