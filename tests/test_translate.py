"""The translated lessons: one source of code, and no translation that silently goes stale."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from course_utils.paths import repo_root
from course_utils.tools import translate
from course_utils.tools.translate import (
    LANG_CELL_ID,
    MISSING_NOTE,
    STALE_NOTE,
    Entry,
    read_po,
    write_po,
)

ROOT = repo_root()
LOCALE = "zh_CN"
TRANSLATED = sorted(translate.output_dir(ROOT, LOCALE).glob("*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


@pytest.mark.parametrize("path", TRANSLATED, ids=[p.stem for p in TRANSLATED])
def test_the_code_cells_of_a_translated_lesson_are_the_english_ones(path):
    english = [
        cell for cell in _cells(ROOT / "notebooks" / path.name) if cell["cell_type"] == "code"
    ]
    cells = _cells(path)
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code[0]["id"] == LANG_CELL_ID and f'"COURSE_LANG"] = "{LOCALE}"' in "".join(
        code[0]["source"]
    )
    assert code[1:] == english, f"{path.name}: code cells differ from notebooks/{path.name}"
    markdown = [cell["id"] for cell in cells if cell["cell_type"] == "markdown"]
    assert markdown == [
        c["id"] for c in _cells(ROOT / "notebooks" / path.name) if c["cell_type"] == "markdown"
    ]


def test_there_are_translated_lessons_and_the_first_is_released():
    assert TRANSLATED, "notebooks/zh/ holds no lesson"
    assert "00_setup_and_mnist" in translate.released(ROOT, LOCALE)


def test_the_released_lessons_are_complete_and_notebooks_zh_is_in_step():
    problems, reports = translate.check(ROOT, LOCALE)
    assert not problems, (
        "\n".join(problems) + "\nrun python -m course_utils.tools.translate update / build"
    )
    for report in reports:
        if report.released:
            assert report.translated == report.total > 0, report


@pytest.mark.parametrize(
    "path", sorted(translate.po_files(ROOT, LOCALE).values()), ids=lambda p: p.stem
)
def test_the_po_files_read_back_as_written(path):
    header, entries = read_po(path.read_text(), str(path))
    assert write_po(entries, header) == path.read_text()
    assert len({entry.msgctxt for entry in entries}) == len(entries), "one entry per cell id"


def test_po_strings_survive_quotes_backslashes_tabs_and_newlines():
    tricky = 'a "quoted" \\ back\\nslash\tand tab\n\n$\\frac{a}{b}$\nend\n'
    entries = [
        Entry(
            "id-1",
            tricky,
            "译文\n第二行",
            flags=["fuzzy"],
            previous='old\n"English"',
            comments=["checked"],
        ),
        Entry("id-2", "one line", ""),
    ]
    header, again = read_po(write_po(entries, "Language: zh_CN\n"))
    assert header == "Language: zh_CN\n"
    assert again == [
        Entry("id-1", tricky, "译文\n第二行", ["fuzzy"], 'old\n"English"', ["checked"], []),
        Entry("id-2", "one line", "", [], None, [], []),
    ]


# --------------------------------------------------------------------- a course in tmp_path


def _notebook(cells):
    notebook = nbformat.v4.new_notebook()
    for kind, cell_id, source in cells:
        cell = (
            nbformat.v4.new_markdown_cell(source)
            if kind == "md"
            else nbformat.v4.new_code_cell(source)
        )
        cell.id = cell_id
        notebook.cells.append(cell)
    return notebook


LESSON = [
    (
        "md",
        "title",
        "# Lesson 42: Gradient descent\n\nIt takes <!--fact 42.full_time-->10 s<!--/fact-->.",
    ),
    ("md", "setup", "## Setup\nThe imports."),
    ("code", "imports", "import numpy as np  # a comment stays English"),
    ("md", "step", "One step is `w -= learning_rate * grad`, that is $w \\leftarrow w - \\eta g$."),
    ("code", "run", "w = np.zeros(3)\nprint(w)"),
]
CHINESE = {
    "title": "# 第 42 课：梯度下降\n\n运行约 <!--fact 42.full_time-->10 s<!--/fact-->。",
    "setup": "## 准备（Setup）\n导入。",
    "step": "一步就是 `w -= learning_rate * grad`，即 $w \\leftarrow w - \\eta g$。",
}


@pytest.fixture
def course(tmp_path):
    """A course with one lesson, translated and released: the repository's layout in tmp_path."""
    (tmp_path / "notebooks").mkdir()
    nbformat.write(_notebook(LESSON), tmp_path / "notebooks" / "42_gd.ipynb")
    assert translate.main(["update", "42", "--root", str(tmp_path)]) == 0
    _translate(tmp_path, CHINESE)
    (tmp_path / "locale" / LOCALE / "RELEASED").write_text("# released\n42_gd\n")
    assert translate.main(["build", "--root", str(tmp_path)]) == 0
    assert translate.main(["check", "--root", str(tmp_path)]) == 0
    return tmp_path


def _translate(root, translations):
    path = root / "locale" / LOCALE / "42_gd.po"
    header, entries = read_po(path.read_text())
    for entry in entries:
        if entry.msgctxt in translations:
            entry.msgstr = translations[entry.msgctxt]
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
            entry.previous = None
    path.write_text(write_po(entries, header))


def _edit_english(root, cell_id, source):
    path = root / "notebooks" / "42_gd.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.id == cell_id:
            cell.source = source
    nbformat.write(notebook, path)


def _built(root, cell_id):
    notebook = nbformat.read(root / "notebooks" / "zh" / "42_gd.ipynb", as_version=4)
    return next(cell.source for cell in notebook.cells if cell.id == cell_id)


def test_a_built_lesson_is_translated_and_keeps_its_code(course):
    notebook = nbformat.read(course / "notebooks" / "zh" / "42_gd.ipynb", as_version=4)
    assert [cell.id for cell in notebook.cells] == [
        "title",
        "setup",
        LANG_CELL_ID,
        "imports",
        "step",
        "run",
    ]
    assert notebook.cells[2].source.endswith(
        'os.environ["COURSE_LANG"] = "zh_CN"  # course_utils 的提示信息用中文显示'
    )
    assert _built(course, "step") == CHINESE["step"]
    assert _built(course, "imports") == LESSON[2][2]


def test_a_changed_english_cell_fails_the_check_and_shows_the_stale_note(course, capsys):
    changed = "One step is `w -= learning_rate * grad`: move against the gradient."
    _edit_english(course, "step", changed)
    assert translate.main(["check", "--root", str(course)]) == 1
    said = capsys.readouterr().err
    assert "1 stale translations" in said and "cells step" in said and "out of step" in said

    assert translate.main(["build", "--root", str(course)]) == 0
    assert _built(course, "step") == f"{STALE_NOTE}\n\n{changed}"
    assert _built(course, "title") == CHINESE["title"], "the other cells stay translated"

    translate.main(["update", "--root", str(course)])
    entry = next(
        e
        for e in read_po((course / "locale" / LOCALE / "42_gd.po").read_text())[1]
        if e.msgctxt == "step"
    )
    assert entry.fuzzy and entry.msgstr == CHINESE["step"] and entry.msgid == changed
    assert entry.previous == LESSON[3][2], "the English the old translation was made from"
    assert translate.main(["check", "--root", str(course)]) == 1, "a fuzzy entry is still stale"

    _translate(course, {"step": "一步就是 `w -= learning_rate * grad`：逆着梯度方向移动。"})
    assert translate.main(["build", "--root", str(course)]) == 0
    assert translate.main(["check", "--root", str(course)]) == 0


def test_a_new_english_cell_shows_the_untranslated_note(course, capsys):
    path = course / "notebooks" / "42_gd.ipynb"
    notebook = nbformat.read(path, as_version=4)
    new = nbformat.v4.new_markdown_cell("## Summary\nOne neuron learns.")
    new.id = "summary"
    notebook.cells.append(new)
    nbformat.write(notebook, path)
    translate.main(["build", "--root", str(course)])
    assert _built(course, "summary") == f"{MISSING_NOTE}\n\n## Summary\nOne neuron learns."
    assert translate.main(["check", "--root", str(course)]) == 1
    assert "1 cells not translated, cells summary" in capsys.readouterr().err

    translate.main(["update", "--root", str(course)])
    entries = read_po((course / "locale" / LOCALE / "42_gd.po").read_text())[1]
    assert [(e.msgctxt, e.msgstr) for e in entries][-1] == ("summary", "")


def test_a_lesson_in_progress_does_not_fail_the_check(course):
    (course / "locale" / LOCALE / "RELEASED").write_text("")
    _edit_english(course, "setup", "## Setup\nAll the imports.")
    translate.main(["build", "--root", str(course)])
    assert translate.main(["check", "--root", str(course)]) == 0
    assert _built(course, "setup").startswith(STALE_NOTE)


def test_a_new_measured_number_leaves_the_translation_current(course):
    _edit_english(course, "title", LESSON[0][2].replace("10 s", "12 s"))
    translate.main(["build", "--root", str(course)])
    assert _built(course, "title") == CHINESE["title"].replace("10 s", "12 s")
    assert translate.main(["check", "--root", str(course)]) == 0


def test_a_hand_edited_translated_notebook_is_out_of_step(course, capsys):
    path = course / "notebooks" / "zh" / "42_gd.ipynb"
    path.write_text(path.read_text().replace("np.zeros(3)", "np.zeros(4)"))
    assert translate.main(["check", "--root", str(course)]) == 1
    assert "42_gd.ipynb is out of step" in capsys.readouterr().err


def test_a_translation_that_loses_a_code_span_or_formula_fails_a_released_lesson(course, capsys):
    _translate(course, {"step": "一步就是 w -= learning_rate * grad，即 $w - \\eta g$。"})
    translate.main(["build", "--root", str(course)])
    assert translate.main(["check", "--root", str(course)]) == 1
    said = capsys.readouterr().err
    assert "lost code span '`w -= learning_rate * grad`'" in said
    assert "lost formula" in said and "added formula" in said


def test_a_lesson_removed_from_the_english_course_is_removed_by_build(course):
    shutil.copy(course / "notebooks" / "42_gd.ipynb", course / "notebooks" / "43_more.ipynb")
    translate.main(["update", "43", "--root", str(course)])
    translate.main(["build", "--root", str(course)])
    assert (course / "notebooks" / "zh" / "43_more.ipynb").is_file()
    (course / "notebooks" / "43_more.ipynb").unlink()
    (course / "locale" / LOCALE / "43_more.po").unlink()
    translate.main(["build", "--root", str(course)])
    assert not (course / "notebooks" / "zh" / "43_more.ipynb").exists()


# --------------------------------------------------------------------- the Chinese lesson runs


RELEASED = translate.released(ROOT, LOCALE)


@pytest.mark.slow
@pytest.mark.parametrize("name", RELEASED)
def test_a_released_chinese_lesson_runs(name, tmp_path, monkeypatch):
    """The runner executes notebooks/zh/NN in fast mode as it executes the English lesson."""
    from course_utils.tools import run
    from course_utils.tools.lessons import lesson

    monkeypatch.setattr(run, "notebooks_dir", lambda: translate.output_dir(ROOT, LOCALE))
    result = run.run_lesson(
        lesson(name), fast=True, build=tmp_path, figures=tmp_path / "figures", progress=False
    )
    assert result.status == "ok", result.error
    assert result.results, "the lesson recorded its key numbers"
    executed = nbformat.read(result.output, as_version=4)
    assert executed.cells[0].source.startswith(f"# 第 {name[:2]} 课")


# --------------------------------------------------------------------- one terminology

#: the terms of the four Chinese posts the course follows (issue 28)
POSTS_TERMS = (
    "梯度下降 激活函数 交叉熵 反向传播 卷积 池化 学习率 损失函数 全连接 神经元 独热编码 "
    "归一化 隐藏层 优化器 权重 偏置 均方差 精确率 召回率 预处理 部署"
).split()


def test_the_terminology_has_the_posts_terms_and_one_translation_per_term():
    terminology = translate.terms(ROOT, LOCALE)
    from_posts = {term.translation for term in terminology if term.origin == "post"}
    assert set(POSTS_TERMS) <= from_posts, set(POSTS_TERMS) - from_posts
    english = [word.lower() for term in terminology for word in term.english.split("|")]
    assert len(english) == len(set(english)), "an English term with two translations"
    assert {term.origin for term in terminology} <= {"post", "chosen", "kept", "unchecked"}


def test_a_released_translation_that_uses_another_word_for_a_term_fails(course, capsys):
    (course / "locale" / LOCALE / "terms.tsv").write_text("gradient descent\t梯度下降\tpost\n")
    assert translate.main(["check", "--root", str(course)]) == 0
    _translate(course, {"title": CHINESE["title"].replace("梯度下降", "梯度递减法")})
    translate.main(["build", "--root", str(course)])
    assert translate.main(["check", "--root", str(course)]) == 1
    assert "uses 'gradient descent' but not '梯度下降'" in capsys.readouterr().err


# --------------------------------------------------------------------- messages to learners


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize(
    "path", sorted(translate.locale_dir(ROOT, LOCALE).glob("*.po")), ids=lambda p: p.stem
)
def test_gnu_msgfmt_accepts_the_po_files(path):
    import subprocess

    done = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_learners_messages_are_english_by_default_and_chinese_with_course_lang(monkeypatch):
    from course_utils import i18n

    line = "Full lesson. For a quick run (about a minute), set QUICK = True in the cell above."
    monkeypatch.delenv("COURSE_LANG", raising=False)
    assert i18n._(line) == line
    monkeypatch.setenv("COURSE_LANG", "zh_CN")
    assert i18n._(line) == "完整课程。要快速运行（约一分钟），请在上面的单元格中设 QUICK = True。"
    assert i18n._("a line nobody translated") == "a line nobody translated"
    shown = i18n._("Quick values: {shown}. For the full lesson set QUICK = False.").format(
        shown="NUM_EPOCHS = 1"
    )
    assert shown == "快速取值：NUM_EPOCHS = 1。要运行完整的课程，请设 QUICK = False。"
    monkeypatch.setenv("COURSE_LANG", "xx_XX")
    assert i18n._(line) == line


def test_every_learners_message_is_translated_with_the_same_placeholders():
    import string

    from course_utils import i18n

    _, entries = read_po(i18n.catalogue_path(LOCALE).read_text())
    assert entries
    fields = lambda text: sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)  # noqa: E731
    for entry in entries:
        assert entry.msgstr and not entry.fuzzy, f"not translated: {entry.msgid!r}"
        assert fields(entry.msgstr) == fields(entry.msgid), entry.msgid


def test_the_mo_compiler_writes_what_gettext_reads():
    import gettext
    import io

    from course_utils.i18n import compile_mo, ljust

    messages = {
        "": "Content-Type: text/plain; charset=UTF-8\n",
        "passed": "已通过",
        "a\nb": "甲\n乙",
    }
    catalogue = gettext.GNUTranslations(io.BytesIO(compile_mo(messages)))
    assert catalogue.gettext("passed") == "已通过" and catalogue.gettext("a\nb") == "甲\n乙"
    assert catalogue.gettext("failed") == "failed"
    assert ljust("已通过", 8) == "已通过  " and ljust("passed", 8) == "passed  "
