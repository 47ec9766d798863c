"""course_utils.tools.run and course_utils.tools.nbclean on small notebooks made in tmp_path."""

import json

import nbformat
import pytest

from course_utils.results import MIME_TYPE, read_recorded
from course_utils.tools import lessons, nbclean, run


def make_notebook(path, source_cells, tags=None):
    tags = tags or {}
    nb = nbformat.v4.new_notebook()
    for i, source in enumerate(source_cells):
        cell = nbformat.v4.new_code_cell(source)
        if i in tags:
            cell.metadata["tags"] = tags[i]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def toy_course(tmp_path, monkeypatch):
    """A course of two tiny lessons: one that records a figure, one that fails."""
    book = tmp_path / "notebooks"
    book.mkdir()
    make_notebook(
        book / "00_ok.ipynb",
        [
            "NUM_EPOCHS = 3\nRATE = 0.5\nNAME = 'x'",
            "from course_utils import record\nrecord(epochs=NUM_EPOCHS, rate=RATE)",
        ],
        tags={0: ["parameters"]},
    )
    make_notebook(
        book / "01_broken.ipynb",
        ["NUM_EPOCHS = 1", "raise RuntimeError('boom')"],
        tags={0: ["parameters"]},
    )
    table = (
        lessons.Lesson("00_ok", "ok", fast={"NUM_EPOCHS": 1}),
        lessons.Lesson("01_broken", "broken", fast={}),
    )
    monkeypatch.setattr(lessons, "LESSONS", table)
    monkeypatch.setattr(run, "LESSONS", table)
    monkeypatch.setattr(run, "notebooks_dir", lambda: book)
    monkeypatch.setattr(nbclean, "_lesson_paths", lambda names: sorted(book.glob("*.ipynb")))
    return tmp_path


def test_fast_run_records_figures_and_writes_results_json(toy_course, capsys):
    runs = run.run_course(["00"], fast=True, build=toy_course / "build", progress=False)
    assert [r.status for r in runs] == ["ok"]
    assert runs[0].results == {"epochs": 1, "rate": 0.5}
    report = json.loads((toy_course / "build" / "results.json").read_text())
    assert report["mode"] == "fast" and report["lessons"][0]["results"]["epochs"] == 1
    assert (toy_course / "build" / "fast" / "executed" / "00_ok.ipynb").is_file()
    out = capsys.readouterr().out
    assert "00_ok" in out and "epochs=1" in out and "0 failed" in out


def test_full_run_uses_the_notebook_defaults(toy_course):
    runs = run.run_course(["00_ok"], build=toy_course / "build", progress=False)
    assert runs[0].results["epochs"] == 3


def test_a_partial_run_updates_the_per_mode_record_without_erasing_other_lessons(toy_course):
    build = toy_course / "build"
    run.run_course(["00", "01"], fast=True, build=build, progress=False)
    (build / "results-fast.json").write_text(
        (build / "results-fast.json").read_text().replace('"epochs": 1', '"epochs": 99')
    )
    run.run_course(["01"], fast=True, build=build, progress=False)
    last = json.loads((build / "results.json").read_text())
    merged = json.loads((build / "results-fast.json").read_text())
    assert [item["name"] for item in last["lessons"]] == ["01_broken"]
    assert [item["name"] for item in merged["lessons"]] == ["00_ok", "01_broken"]
    assert merged["lessons"][0]["results"]["epochs"] == 99, (
        "the lesson that did not run keeps its record"
    )


def test_failing_lesson_is_reported_and_exit_status_is_nonzero(toy_course, capsys):
    code = run.main(
        ["--only", "00", "01", "--build-dir", str(toy_course / "build"), "--no-progress"]
    )
    assert code == 1
    report = json.loads((toy_course / "build" / "results.json").read_text())
    statuses = {item["name"]: item["status"] for item in report["lessons"]}
    assert statuses == {"00_ok": "ok", "01_broken": "failed"}
    assert "RuntimeError: boom" in report["lessons"][1]["error"]


def test_misspelt_parameter_is_an_error_naming_the_close_match(toy_course, capsys):
    code = run.main(["--only", "00", "-p", "NUM_EPOCH=2", "--build-dir", str(toy_course / "build")])
    assert code == 2
    err = capsys.readouterr().err
    assert "does not declare a parameter 'NUM_EPOCH'" in err and "Did you mean 'NUM_EPOCHS'" in err
    assert not (toy_course / "build" / "results.json").exists(), (
        "nothing runs after a parameter error"
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ("NUM_EPOCHS='two'", "declared as int"),
        ("RATE=True", "declared as float"),
        ("NAME=3", "declared as str"),
    ],
)
def test_parameter_of_the_wrong_type_is_an_error(toy_course, capsys, value, message):
    assert run.main(["--only", "00", "-p", value, "--build-dir", str(toy_course / "build")]) == 2
    assert message in capsys.readouterr().err


def test_an_int_is_accepted_for_a_float(toy_course):
    run.check_parameters(toy_course / "notebooks" / "00_ok.ipynb", {"RATE": 1})


def test_unknown_lesson_is_an_error(toy_course, capsys):
    assert run.main(["--only", "42"]) == 2
    assert "no lesson called '42'" in capsys.readouterr().err


def test_parse_assignment():
    assert run.parse_assignment("N=3") == ("N", 3)
    assert run.parse_assignment("NAME=abc") == ("NAME", "abc")
    assert run.parse_assignment("X=None") == ("X", None)
    with pytest.raises(Exception, match="NAME=VALUE"):
        run.parse_assignment("oops")


def test_format_table_lists_every_lesson():
    runs = [
        run.LessonRun("00_a", "ok", 1.25, results={"acc": 0.98765}),
        run.LessonRun("01_b", "failed", 200.0),
    ]
    table = run.format_table(runs)
    assert "00_a" in table and "acc=0.9877" in table and "3.3 min" in table and "1 failed" in table


def test_read_recorded_finds_the_mime_bundle():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("record(...)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={MIME_TYPE: {"a": 1}, "text/plain": "a = 1"})
    ]
    nb.cells.append(cell)
    assert read_recorded(nb) == {"a": 1}


def test_clean_strips_outputs_but_keeps_checked_cells(tmp_path):
    path = make_notebook(tmp_path / "n.ipynb", ["1 + 1", "2 + 2"], tags={1: ["nbval-check-output"]})
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        cell.execution_count = 7
        cell.outputs = [
            nbformat.v4.new_output("execute_result", data={"text/plain": "x"}, execution_count=7)
        ]
    nb.metadata["papermill"] = {"duration": 1}
    nbformat.write(nb, str(path))
    assert not nbclean.is_clean(path)
    assert nbclean.clean(path) is True
    assert nbclean.is_clean(path) and nbclean.clean(path) is False
    nb = nbformat.read(str(path), as_version=4)
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "x"
    assert "papermill" not in nb.metadata


def test_clean_drops_stderr_of_checked_cells(tmp_path):
    path = make_notebook(tmp_path / "n.ipynb", ["print(1)"], tags={0: ["nbval-check-output"]})
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="I0000 12:00:00 log line"),
        nbformat.v4.new_output("stream", name="stdout", text="1\n"),
    ]
    nbformat.write(nb, str(path))
    nbclean.clean(path)
    outputs = nbformat.read(str(path), as_version=4).cells[0].outputs
    assert [o["name"] for o in outputs] == ["stdout"]
    assert "papermill" not in nb.metadata


def test_check_command_fails_on_a_dirty_notebook(toy_course, capsys):
    assert nbclean.main(["check"]) == 1
    assert "not clean" in capsys.readouterr().out
    assert nbclean.main(["clean"]) == 0
    assert nbclean.main(["check"]) == 0


def test_widget_output_lands_in_the_cell_without_nbclient_widget_emulation(tmp_path, monkeypatch):
    """The runner's engine drops nbclient's Output-widget emulation (jupyter/nbclient#312
    deadlocked lesson 02): what a widget prints is kept as an ordinary cell output."""
    book = tmp_path / "notebooks"
    book.mkdir()
    make_notebook(
        book / "00_widget.ipynb",
        [
            "N = 1",
            "import ipywidgets as w\nout = w.Output()\ndisplay(out)\nwith out:\n    print('inside the widget')\nfrom course_utils import record\nrecord(n=N)",
        ],
        tags={0: ["parameters"]},
    )
    monkeypatch.setattr(run, "notebooks_dir", lambda: book)
    result = run.run_lesson(
        lessons.Lesson("00_widget", "w"), fast=True, build=tmp_path / "b", progress=False
    )
    assert result.status == "ok", result.error
    executed = nbformat.read(result.output, as_version=4)
    texts = [
        o.get("text", "") for o in executed.cells[-1].outputs if o.get("output_type") == "stream"
    ]
    assert "inside the widget\n" in texts


def test_refresh_stores_the_outputs_of_checked_cells_only(toy_course, monkeypatch):
    from course_utils import paths

    book = toy_course / "notebooks"
    make_notebook(
        book / "00_ok.ipynb",
        [
            "NUM_EPOCHS = 3\nRATE = 0.5\nNAME = 'x'",
            "print(2 + 2)",
            "print('not kept')",
            "from course_utils import record\nrecord(epochs=NUM_EPOCHS)",
        ],
        tags={0: ["parameters"], 1: ["nbval-check-output"]},
    )
    monkeypatch.setattr(paths, "notebooks_dir", lambda: book)
    nbclean.refresh("00")
    stored = nbformat.read(str(book / "00_ok.ipynb"), as_version=4)
    assert [o["text"] for o in stored.cells[1].outputs] == ["4\n"]
    assert stored.cells[2].outputs == [] and len(stored.cells) == 4, (
        "no injected cell, no other outputs"
    )
    assert nbclean.is_clean(book / "00_ok.ipynb")
    make_notebook(
        book / "01_broken.ipynb",
        ["NUM_EPOCHS = 1", "raise RuntimeError('boom')"],
        tags={0: ["parameters"]},
    )
    with pytest.raises(RuntimeError, match="nothing stored"):
        nbclean.refresh("01")


def test_the_kernels_own_output_goes_to_the_log_and_shows_only_for_a_failing_lesson(
    tmp_path, monkeypatch, capfd
):
    book = tmp_path / "notebooks"
    book.mkdir()
    noisy = "import os\nos.write(2, b'noise from the kernel\\n')"
    make_notebook(book / "00_noisy.ipynb", ["N = 1", noisy], tags={0: ["parameters"]})
    make_notebook(
        book / "01_noisy_broken.ipynb",
        ["N = 1", noisy + "\nraise RuntimeError('boom')"],
        tags={0: ["parameters"]},
    )
    table = (lessons.Lesson("00_noisy", "a"), lessons.Lesson("01_noisy_broken", "b"))
    monkeypatch.setattr(run, "LESSONS", table)
    monkeypatch.setattr(lessons, "LESSONS", table)
    monkeypatch.setattr(run, "notebooks_dir", lambda: book)
    runs = run.run_course(["00"], build=tmp_path / "b", progress=False)
    assert "noise from the kernel" in (tmp_path / "b" / "logs" / "00_noisy.log").read_text()
    assert runs[0].log.endswith("00_noisy.log")
    assert "noise from the kernel" not in "".join(capfd.readouterr())
    run.run_course(["01"], build=tmp_path / "b", progress=False)
    out = capfd.readouterr().out
    assert "kernel log" in out and "noise from the kernel" in out


def test_figures_go_to_the_build_folder_and_only_update_figures_publishes_them(
    tmp_path, monkeypatch
):
    book = tmp_path / "notebooks"
    book.mkdir()
    save = (
        "from course_utils.paths import figures_dir\n(figures_dir() / 'f.png').write_bytes(b'png')"
    )
    make_notebook(book / "00_fig.ipynb", ["N = 1", save], tags={0: ["parameters"]})
    table = (lessons.Lesson("00_fig", "f", fast={"N": 2}),)
    monkeypatch.setattr(run, "LESSONS", table)
    monkeypatch.setattr(lessons, "LESSONS", table)
    monkeypatch.setattr(run, "notebooks_dir", lambda: book)
    monkeypatch.setattr(run, "published_figures_dir", lambda: tmp_path / "published")
    monkeypatch.delenv("COURSE_FIGURES_DIR", raising=False)
    run.run_course(["00"], build=tmp_path / "b", progress=False)
    run.run_course(["00"], fast=True, build=tmp_path / "b", progress=False)
    assert (tmp_path / "b" / "figures" / "f.png").is_file()
    assert (tmp_path / "b" / "fast" / "figures" / "f.png").is_file()
    assert not (tmp_path / "published").exists()
    assert run.main(["--only", "00", "--update-figures", "--build-dir", str(tmp_path / "b")]) == 0
    assert (tmp_path / "published" / "f.png").is_file()
    with pytest.raises(ValueError, match="needs a full run"):
        run.run_course(["00"], fast=True, update_figures=True, build=tmp_path / "b")


@pytest.mark.slow
def test_running_a_lesson_with_the_default_folders_changes_no_tracked_file(tmp_path, monkeypatch):
    """Lesson 02 (about 15 s fast) saves figures; with COURSE_FIGURES_DIR unset they go under build/."""
    from lab import git_status

    from course_utils import paths

    monkeypatch.delenv("COURSE_FIGURES_DIR", raising=False)
    before = git_status(paths.repo_root())
    result = run.run_lesson(lessons.lesson("02"), fast=True, build=tmp_path, progress=False)
    assert result.status == "ok", result.error
    assert sorted(p.name for p in (tmp_path / "figures").glob("02_*.png")), (
        "lesson 02 saves figures"
    )
    assert git_status(paths.repo_root()) == before


def test_quick_switch_applies_the_fast_values_and_says_which_values_run(capsys):
    item = lessons.lesson("04")
    full = {"QUICK": False, **{key: "full" for key in item.fast}}
    assert lessons.use_quick_values(full, "04") == {}
    assert "Full lesson" in capsys.readouterr().out
    quick = {**full, "QUICK": True}
    assert lessons.use_quick_values(quick, "04") == item.fast
    assert {key: quick[key] for key in item.fast} == item.fast
    assert "Quick values: NUM_TRAIN = 3000" in capsys.readouterr().out
    # The fast run injects the same values with QUICK = False: the lesson says it runs quick.
    injected = {"QUICK": False, **item.fast}
    assert lessons.use_quick_values(injected, "04") == {}
    assert "Quick values" in capsys.readouterr().out
    lessons.use_quick_values({"QUICK": True}, "02")
    assert "quick as it is" in capsys.readouterr().out


def test_every_lesson_has_the_quick_switch_after_its_parameters():
    import json

    from course_utils.paths import notebooks_dir

    for item in lessons.LESSONS:
        cells = json.loads((notebooks_dir() / item.filename).read_text())["cells"]
        index = next(
            i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", [])
        )
        assert "".join(cells[index]["source"]).startswith("QUICK = False"), item.name
        switch = "".join(cells[index + 1]["source"])
        assert switch == f'course_utils.use_quick_values(globals(), "{item.number}")', item.name
