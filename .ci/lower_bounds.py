"""Print a pip constraints file that pins every requirement of pyproject.toml at its
lower bound (``name>=X`` becomes ``name==X``), for CI's oldest-versions environment.

    python .ci/lower_bounds.py [EXTRA ...] > constraints.txt

Requirements of the main list and of the named extras (default: every extra) are
included; self-references such as ``course-utils[book]`` are skipped. A requirement
without a lower bound is an error: the README promises a range, so it must have one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LOWER = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*([^;]*)")


def lower_bounds(extras: list[str] | None = None) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project.get("optional-dependencies", {})
    chosen = list(optional) if not extras else extras
    requirements = list(project["dependencies"])
    for extra in chosen:
        requirements += optional[extra]
    pins = {}
    for requirement in requirements:
        match = LOWER.match(requirement)
        name, specifier = match.group(1), match.group(3)
        if name.lower().replace("_", "-") == project["name"]:
            continue
        bound = re.search(r">=\s*([0-9][^,\s]*)", specifier)
        if bound is None:
            raise SystemExit(f"{requirement!r} in pyproject.toml has no lower bound (>=)")
        pins[name.lower()] = bound.group(1)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    print("\n".join(lower_bounds(sys.argv[1:])))
