"""Figures of lesson 09: what each serving step buys, in requests per second and latency.

Every function returns its ``matplotlib.figure.Figure`` and takes ``save_as``
(see ``plotting.style``).
Taught in notebooks/09_serve_the_model.ipynb.
"""

from __future__ import annotations

import numpy as np

from .style import PALETTE, finish, new_figure


def serving_comparison(results, *, title: str | None = None, save_as: str | None = None):
    """Requests per second (left) and latency percentiles (right) of serving configurations.

    results: a list of ``bench_serve.ServingResult`` (or objects with ``name``,
    ``requests_per_second``, ``p50_ms``, ``p95_ms``, ``p99_ms`` and ``idle_ms``),
    one per configuration, drawn in that order. Returns the Figure.
    """
    if not results:
        raise ValueError("results must hold at least one configuration's measurements")
    names = [r.name for r in results]
    y = np.arange(len(results))
    fig, (left, right) = new_figure(1, 2, size=(10, 1.2 + 0.7 * len(results)), sharey=True)

    rates = [r.requests_per_second for r in results]
    left.barh(y, rates, color=PALETTE[0])
    for row, rate in zip(y, rates):
        left.text(rate, row, f" {rate:.0f}", va="center")
    left.set_xlim(0, max(rates) * 1.25 or 1)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel("requests per second (higher is better)")

    height = 0.2
    percentiles = [
        ("idle, one request", "idle_ms"),
        ("p50", "p50_ms"),
        ("p95", "p95_ms"),
        ("p99", "p99_ms"),
    ]
    for k, (label, attribute) in enumerate(percentiles):
        values = [getattr(r, attribute) for r in results]
        right.barh(y + (k - 1.5) * height, values, height=height, color=PALETTE[k + 1], label=label)
    right.set_xlabel("latency, ms (lower is better)")
    right.legend(loc="lower right", fontsize=8)
    if title:
        fig.suptitle(title)
    return finish(fig, save_as)


__all__ = ["serving_comparison"]
