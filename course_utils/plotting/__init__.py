"""Every figure of the course, in one style (see ``plotting.style``).

Each function returns its ``matplotlib.figure.Figure`` and takes ``save_as``
to write it under ``figures/``. Topic modules: ``dataset`` (lesson 00), ``basics``
(01-03), ``training`` (learning curves), ``mlp`` (04), ``cnn`` (06),
``evaluation`` (07), ``images`` (08).
"""

from .basics import *  # noqa: F401,F403
from .cnn import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .images import *  # noqa: F401,F403
from .mlp import *  # noqa: F401,F403
from .serving import *  # noqa: F401,F403
from .style import *  # noqa: F401,F403
from .style import apply_style as _apply_style
from .training import *  # noqa: F401,F403

_apply_style()
