"""Key figures a lesson records for the runner's table and ``build/results.json``.

``record(test_accuracy=0.981, seconds_per_epoch=2.4)`` displays the figures in
the notebook and tags them with a MIME type of their own, so that
``course_utils.tools.run`` finds them in the executed notebook. Nothing is written
to disk by the notebook itself, so a lesson run by hand leaves no stray files.
Taught from notebooks/00_setup_and_mnist.ipynb onwards.
"""

from __future__ import annotations

import json
import math
import numbers

MIME_TYPE = "application/vnd.course-utils.results+json"


def _plain(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return str(value)
        return value
    if isinstance(value, str):
        return value
    raise TypeError(
        f"record() takes numbers and strings, got {type(value).__name__} ({value!r}); "
        "pass e.g. float(accuracy)"
    )


def record(**figures) -> None:
    """Record key figures of this lesson (numbers or short strings) and display them.

    Returns nothing, so that a cell ending with ``record(...)`` shows the figures once.
    """
    if not figures:
        raise ValueError("record() needs at least one figure, e.g. record(test_accuracy=0.98)")
    values = {name: _plain(value) for name, value in figures.items()}
    text = "Recorded: " + ", ".join(f"{k} = {_format(v)}" for k, v in values.items())
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with jupyter
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display({MIME_TYPE: values, "text/plain": text}, raw=True)


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def read_recorded(notebook) -> dict:
    """Collect the figures recorded in an executed notebook (an ``nbformat`` node)."""
    found: dict = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(MIME_TYPE)
            if payload is not None:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                found.update(payload)
    return found
