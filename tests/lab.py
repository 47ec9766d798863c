"""JupyterLab for the browser tests: a server started on 127.0.0.1 and the steps a learner takes.

``JupyterLab(root)`` starts ``jupyter lab`` on a free port with a random token,
serving ``root`` (a temporary folder holding copies of the lessons), with
``COURSE_BUILD_DIR`` pointing into it so that nothing in the repository changes.
:func:`prepare_lesson` writes a copy of a lesson with its fast parameters
injected (papermill's ``prepare_only``). :class:`Notebook` drives an open
notebook in a Playwright page: Run All, wait for every cell, find the outputs.
Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from course_utils.paths import notebooks_dir
from course_utils.tools.lessons import lesson

#: The notebook panel on show (JupyterLab keeps other tabs in the page, hidden).
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"
#: Settings of the test session that a learner's JupyterLab does not have.
LEARNER_UNSET = ("MPLBACKEND", "COURSE_FIGURES_DIR", "JUPYTER_CONFIG_DIR", "TF_CPP_MIN_LOG_LEVEL")
#: Seconds JupyterLab may take to answer after it is started (two shared CPU cores).
SERVER_START_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_lesson(name: str, folder: Path, **overrides) -> Path:
    """Copy lesson ``name`` into ``folder`` with its fast parameters (and ``overrides``) injected."""
    import papermill

    item = lesson(name)
    target = folder / item.filename
    papermill.execute_notebook(
        str(notebooks_dir() / item.filename),
        str(target),
        parameters={**item.fast, **overrides},
        prepare_only=True,
        kernel_name="python3",
        language="python",
        progress_bar=False,
    )
    return target


def git_status(root: Path) -> str:
    """What a lesson could have written into the checkout: ``git status --porcelain`` of
    ``figures/`` (tracked, published) and of new files in ``notebooks/`` and ``figures/``.

    Limited to those folders because other contributors may be editing the code and
    the lessons' text while the tests run; in CI the whole tree is clean anyway.
    """
    import pytest

    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "figures", "notebooks"],
        cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"not a git checkout: {done.stderr.strip()}"
        )
    lines = done.stdout.splitlines()
    return "\n".join(
        line for line in lines if line.startswith("??") or line[3:].startswith("figures/")
    )


class JupyterLab:
    """``with JupyterLab(root) as lab:`` a JupyterLab 4 server; ``lab.url(path)`` opens a file."""

    def __init__(self, root: Path, *, env: dict | None = None):
        self.root = Path(root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = self.root.parent / f"jupyterlab-{self.port}.log"

    def url(self, path: str = "") -> str:
        # ?reset: a fresh workspace, so notebooks opened by earlier tests are not restored
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?reset&token={self.token}"

    def __enter__(self) -> JupyterLab:
        home = self.root.parent / "lab-home"
        settings = home / "settings"
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
        # no "news" question, no update check: nothing but the lesson on the page
        (
            settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        # every cell in the page, also those scrolled out of view, so that they can be checked
        (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True, exist_ok=True)
        (
            settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        ).write_text(json.dumps({"windowingMode": "none"}))
        env = {
            key: value
            for key, value in os.environ.items()
            # as for a learner: no test settings; and ipykernel forwards what the kernel writes
            # to its stderr into the notebook only outside pytest (PYTEST_CURRENT_TEST)
            if key not in LEARNER_UNSET and not key.startswith("PYTEST_")
        }
        env.update(
            {
                "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                "JUPYTER_CONFIG_DIR": str(home / "config"),
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
                "IPYTHONDIR": str(home / "ipython"),
                **self.extra_env,
            }
        )
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly", "--allow-root",
        ]  # fmt: skip
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(status, timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(
            f"jupyter lab did not answer within {SERVER_START_SECONDS} s:\n{self.log()}"
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.is_file() else ""

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class Notebook:
    """A notebook open in JupyterLab in a Playwright ``page``."""

    def __init__(self, page, lab: JupyterLab, filename: str):
        self.page = page
        self.lab = lab
        self.filename = filename

    def open(self, timeout_s: float = 90) -> Notebook:
        self.page.goto(self.lab.url(self.filename), timeout=timeout_s * 1000)
        self.wait_for_kernel(timeout_s)
        return self

    def wait_for_kernel(self, timeout_s: float = 90) -> None:
        """Wait until the notebook's kernel is idle (its status bar says so)."""
        self.page.locator(f"{CURRENT} .jp-Notebook").first.wait_for(timeout=timeout_s * 1000)
        self.page.wait_for_function(
            "() => document.querySelector('.jp-NotebookPanel-toolbar [data-status=\"idle\"]')"
            " || /Idle/.test(document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')?.textContent || '')",
            timeout=timeout_s * 1000,
        )

    def run_all(self, timeout_s: float = 300) -> float:
        """Run → Run All Cells with the mouse; wait for the last cell; return the seconds it took.

        The menu is tried again (three times at most) when no cell started within 20 s:
        a click while JupyterLab is still busy starting the kernel can be lost.
        """
        page = self.page
        start = time.perf_counter()
        for _attempt in range(3):
            page.locator(f"{CURRENT} .jp-Notebook").first.click(position={"x": 5, "y": 5})
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            try:
                page.wait_for_function(
                    """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
                        .some(p => p.textContent.trim() !== '[ ]:')""",
                    timeout=20_000,
                )
                break
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
        self.wait_until_done(timeout_s)
        return time.perf_counter() - start

    def wait_until_done(self, timeout_s: float) -> None:
        """Wait until no cell is queued or running ("[*]"); fail unless every code cell ran.

        A failing cell stops Run All: the error names the cells left and shows the
        error outputs; on a timeout it shows the kernel's state.
        """
        try:
            self.page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
                        .map(p => p.textContent.trim());
                    return prompts.length > 0 && !prompts.includes('[*]:');
                }""",
                timeout=timeout_s * 1000,
                polling=500,
            )
        except PlaywrightTimeout:
            status = self.page.locator("#jp-main-statusbar").inner_text()
            raise AssertionError(
                f"{self.filename}: Run All did not finish within {timeout_s:.0f} s; "
                f"not run: {self._not_run()}; status bar: {status!r}\n{self.lab.log()[-2000:]}"
            ) from None
        if self._not_run():
            raise AssertionError(
                f"{self.filename}: Run All stopped; not run: {self._not_run()}; "
                f"errors shown:\n" + "\n".join(self.errors_in_outputs())[-3000:]
            )

    def _not_run(self) -> str:
        prompts = self.page.locator(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt"
        ).all_inner_texts()
        left = [
            f"cell {i + 1} {p.strip()}"
            for i, p in enumerate(prompts)
            if not re.match(r"^\[\d+\]:$", p.strip())
        ]
        return ", ".join(left[:8]) + (f" and {len(left) - 8} more" if len(left) > 8 else "")

    def save(self, timeout_s: float = 30) -> None:
        """Ctrl+S, as a learner saves (JupyterLab also autosaves every two minutes)."""
        self.page.locator(f"{CURRENT} .jp-Notebook").first.click(position={"x": 5, "y": 5})
        self.page.keyboard.press("Control+s")
        self.page.wait_for_function(
            "() => !document.querySelector('.jp-mod-current.jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty')",
            timeout=timeout_s * 1000,
        )
        # The save ends with JupyterLab listing the checkpoints; a reload right after the
        # dirty flag clears used to cut that request off (net::ERR_ABORTED, a false error).
        try:
            self.page.wait_for_load_state("networkidle", timeout=10_000)
        except PlaywrightTimeout:
            pass  # JupyterLab's periodic polls may keep the network busy: the save is done

    def cell_with(self, text: str):
        """The code cell whose source contains ``text``."""
        return (
            self.page.locator(f"{CURRENT} .jp-CodeCell")
            .filter(has=self.page.locator(".jp-InputArea", has_text=text))
            .first
        )

    def errors_in_outputs(self) -> list[str]:
        """Tracebacks and stderr shown under the cells (what a learner would see in red/pink)."""
        return self.page.locator(
            f"{CURRENT} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
