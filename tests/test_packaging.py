"""The install files: environment.yml and pyproject.toml name the same, bounded packages."""

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the backport, a dev dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_requirements() -> dict:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    found = {_name(r): r.replace(" ", "") for r in requirements}
    found.pop(project["name"], None)  # an extra that includes others: course-utils[book,slides]
    return found


def environment_requirements() -> dict:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    found = {}
    for line in lines[start + 1 :]:
        item = line.strip()
        if not item.startswith("- ") or item == "- -e .":
            continue
        requirement = item[2:]
        found[_name(requirement)] = requirement.replace(" ", "")
    return found


def test_environment_yml_and_pyproject_name_the_same_packages_and_bounds():
    assert environment_requirements() == pyproject_requirements()


def test_every_requirement_has_an_upper_bound():
    for name, requirement in pyproject_requirements().items():
        assert "<" in requirement, f"{name} has no upper bound: {requirement}"


def test_course_packages_are_all_there():
    needed = {"jupyterlab", "tensorflow", "numpy", "matplotlib", "ipywidgets", "nbval", "papermill"}
    assert needed <= set(pyproject_requirements())


def test_every_requirement_has_a_lower_bound_that_ci_installs():
    """CI's oldest environment installs every package at its lower bound (.ci/lower_bounds.py)."""
    import runpy

    script = runpy.run_path(str(ROOT / ".ci" / "lower_bounds.py"))
    pins = dict(pin.split("==") for pin in script["lower_bounds"]())
    for name, requirement in pyproject_requirements().items():
        assert ">=" in requirement, f"{name} has no lower bound: {requirement}"
        assert name in pins, f"{name} is missing from the oldest environment's constraints"


def test_the_version_lives_in_one_place_and_the_changelog_names_it():
    import course_utils

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"], "the version is course_utils.__version__ only"
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "course_utils.__version__"
    }
    entries = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), flags=re.M)
    assert entries and entries[0] == course_utils.__version__, (
        f"CHANGELOG.md's newest entry is {entries[:1]}, the package is {course_utils.__version__}: "
        "add an entry for the new version"
    )


def test_the_installed_metadata_has_the_packages_version():
    from importlib.metadata import version

    import course_utils

    assert version("course-utils") == course_utils.__version__, "reinstall: pip install -e ."
