"""course_utils: the tested helper package of the MNIST course.

Importing it is cheap (no TensorFlow); modules that need TensorFlow import it
themselves. See CONTRIBUTING.md for the contract the lessons share.
"""

from .environment import check_environment
from .reproducibility import set_seed
from .results import record

__version__ = "0.1.0"
__all__ = ["check_environment", "record", "set_seed", "__version__"]
