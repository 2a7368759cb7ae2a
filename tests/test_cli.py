from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from newsfuse.cli import app

runner = CliRunner()


def test_summarize_seeds_text(seed_paths):
    result = runner.invoke(app, ["summarize", *seed_paths])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("US dismisses Russian cooperation claims over Syria: summary of ")  # its headline
    assert " words from 5 articles (4 independent origins)" in first
    assert "IE 11" not in result.stdout and "Photo by" not in result.stdout
    assert "tragically flawed" in result.stdout


def test_summarize_json_words_and_output_file(example_paths, tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["summarize", *example_paths, "--words", "80", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["budget"] == 80 and data["words"] <= 80 + 45
    assert all(s["origins"] >= 1 for s in data["sentences"])


def test_summarize_directory_html_format(tmp_path, example_paths):
    directory = example_paths[0].rsplit("/", 1)[0]
    result = runner.invoke(app, ["summarize", directory, "-f", "html"])
    assert result.exit_code == 0 and result.stdout.startswith("<!doctype html>")


def test_summarize_stdin():
    text = "Dam holds after storm\n\nThe dam held overnight, engineers said. Water levels fell by morning.\n"
    result = runner.invoke(app, ["summarize", "-", "-w", "20"], input=text)
    assert result.exit_code == 0 and "The dam held overnight" in result.stdout


def test_bad_input_messages_and_exit_codes(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = runner.invoke(app, ["summarize", str(empty)])
    assert result.exit_code == 1 and "empty.txt: empty file" in result.output
    good = tmp_path / "good.txt"
    good.write_text("Headline here\n\nThe council met on Monday. It approved the plan.\n")
    result = runner.invoke(app, ["summarize", str(empty), str(good)])
    assert result.exit_code == 0 and "empty.txt: empty file" in result.output


def test_unknown_option_values_are_refused():
    assert runner.invoke(app, ["summarize", "x.txt", "--format", "pdf"]).exit_code != 0
    assert runner.invoke(app, ["summarize", "x.txt", "--words", "3"]).exit_code != 0


def test_batch_command(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps(
            {
                "id": 1,
                "documents": [
                    "The port reopened on Monday. Ships unloaded.",
                    "Ships unloaded as the port reopened on Monday.",
                ],
            }
        )
        + "\n{bad\n"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1 summarized, 1 failed" in result.output and "in.jsonl:2" in result.output
    assert len(out.read_text().splitlines()) == 2


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "newsfuse.cli", "selectors"], capture_output=True, text=True)
    assert result.returncode == 0 and "centrality" in result.stdout and "lexrank" in result.stdout


# Never imported by a summary of the example (.txt files and one HTML page): start-up (issue 15).
# The CLI is Click's own: typer converted each value through pydantic (0.15-0.2 s of a process).
NOT_FOR_A_SUMMARY = ("threadpoolctl", "sqlite3", "rich", "typer", "pydantic", "pydantic_core")
REPORT_MODULES = (
    "import sys; from newsfuse.cli import app\n"
    "try: app(sys.argv[1:])\n"
    "except SystemExit as done: assert not done.code, done.code\n"
    "loaded = sorted(sys.modules)\n"
    "from threadpoolctl import threadpool_info\n"
    "blas = {p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}\n"
    "print(' '.join(loaded), 'BLAS-THREADS', blas, file=sys.stderr)"
)


def _modules_of(*args: str) -> tuple[str, set[str], str]:
    """The stdout of a fresh `newsfuse ARGS` process without BLAS variables, the modules it loaded
    and its BLAS libraries' thread counts."""
    from newsfuse.cli import BLAS_THREAD_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    done = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules, _, threads = done.stderr.rpartition("BLAS-THREADS")
    return done.stdout, set(modules.split()), threads.strip()


def test_a_summary_process_imports_only_what_it_needs(example_paths):
    out, loaded, blas_threads = _modules_of("summarize", *example_paths)
    assert "Pier 9 blaze" in out  # the summary was made
    assert "newsfuse.pipeline" in loaded and "trafilatura" in loaded  # the list is of this process
    assert not [m for m in NOT_FOR_A_SUMMARY if m in loaded]
    assert blas_threads == "{1}"  # OpenBLAS read the variable set before numpy loaded it


def test_a_summary_process_imports_neither_typer_nor_pydantic(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("Dam holds after storm\n\nThe dam held overnight, engineers said. Water levels fell.\n")
    out, loaded, _ = _modules_of("summarize", str(one), "--words", "20", "--selector", "lead")
    assert "The dam held overnight" in out and "click" in loaded  # the command line was parsed
    assert not [m for m in loaded if m.split(".")[0] in ("typer", "pydantic", "pydantic_core")]


def test_help_imports_no_stage():
    out, loaded, _ = _modules_of("--help")
    assert "summarize" in out and "newsfuse.cli" in loaded
    assert not [m for m in ("numpy", "scipy", "newsfuse.pipeline", "newsfuse.settings") if m in loaded]
    assert not [m for m in ("typer", "pydantic", "rich") if m in loaded]


def test_help_lists_arguments_then_options_with_defaults_commands_in_order():
    shown = runner.invoke(app, ["summarize", "--help"]).stdout
    assert shown.startswith("Usage: newsfuse summarize [OPTIONS] {paths}...\n")  # the usage line typer wrote
    arguments, options = shown.split("\nArguments:\n")[1].split("\nOptions:\n")
    assert arguments.startswith("  paths...  Files or directories") and "[required]" in arguments
    assert "-w, --words INTEGER" in options and "[default: rerank]" in options
    assert "--compare / --no-compare" in options and "[default: compare]" in options
    assert "--split" in options and "[default: False]" not in options  # a flag off by default shows none
    serve = runner.invoke(app, ["serve", "--help"]).stdout
    assert "--header-timeout FLOAT" in serve and "x>=0.1" in serve and "[env var: NEWSFUSE_TOKEN]" in serve
    listed = runner.invoke(app, ["--help"]).stdout.split("Commands:\n")[1].split()
    names = [word for word in listed if word in app.commands]
    assert names[:3] == ["summarize", "compare", "batch"] and names[-1] == "serve"  # as defined, not sorted


def test_bad_values_and_missing_ones_name_the_parameter_without_a_traceback(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Dam holds\n\nThe dam held overnight, engineers said.\n")
    cases = [
        (
            ["summarize", str(article), "--words", "abc"],
            "Invalid value for '--words' / '-w': 'abc' is not a valid integer",
        ),
        (["summarize", str(article), "--words", "3"], "Invalid value: words must be between 10 and 5000, got 3"),
        (["summarize", str(article), "--selector", "nope"], "unknown selector 'nope'; choose one of"),
        (["summarize"], "Missing argument 'paths'"),
        (["batch", str(article)], "Missing option '--output' / '-o'"),
        (["show", "abc", "--db", "x.db"], "Invalid value for 'story': 'abc' is not a valid integer"),
        (["serve", "--header-timeout", "0"], "Invalid value for '--header-timeout'"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    missing = runner.invoke(app, ["summarize", str(tmp_path / "missing.txt")])
    assert missing.exit_code == 1 and "missing.txt: no such file or directory" in missing.stderr


def test_the_default_selector_is_the_options_default():
    from newsfuse.cli import DEFAULT_SELECTOR
    from newsfuse.settings import Options

    assert Options().selector == DEFAULT_SELECTOR


def test_compare_prints_the_comparison_alone_and_its_json_contract(seed_paths):
    from click.testing import CliRunner

    from newsfuse.cli import app

    text = CliRunner().invoke(app, ["compare", *seed_paths])
    assert text.exit_code == 0 and "Corroborated:" in text.stdout and "origins)" in text.stdout
    assert "\n1. " not in text.stdout  # no numbered summary sentences
    result = CliRunner().invoke(app, ["compare", *seed_paths, "-f", "json"])
    data = json.loads(result.stdout)
    assert set(data) == {"facts", "quotes", "disagreements", "wire_copies", "outlets"}
    assert {o["outlet"]: o["how"] for o in data["outlets"]}["AFP"] == "dateline"
    lede = next(f for f in data["facts"] if "will not cooperate with Russia over air strikes" in f["text"])
    assert lede["status"] == "corroborated" and lede["origins"] >= 3


def test_version_and_help_without_python_types():
    from newsfuse import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"newsfuse {__version__}"
    for command in ("summarize", "compare", "batch", "serve", "ingest", "eval"):
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "100"}, terminal_width=100)
        assert shown.exit_code == 0, shown.output
        assert "<bool>" not in shown.stdout and "list[" not in shown.stdout and "<int>" not in shown.stdout
        assert "--help" in shown.stdout


def test_every_cut_list_says_how_many_more_and_all_shows_them(seed_paths):
    import re

    data = json.loads(runner.invoke(app, ["compare", *seed_paths, "-f", "json"]).stdout)
    for fmt in ("text", "markdown", "html"):
        cut = runner.invoke(app, ["compare", *seed_paths, "-f", fmt]).stdout
        full = runner.invoke(app, ["compare", *seed_paths, "-f", fmt, "--all"]).stdout
        more = [int(n) for n in re.findall(r"and (\d+) more", cut)]
        assert more and "more (--all" not in full, fmt
        corroborated = sum(f["status"] == "corroborated" for f in data["facts"])
        hidden = [corroborated - 8, len(data["facts"]) - corroborated - 8, len(data["quotes"]) - 16]
        assert sum(more) == sum(n for n in hidden if n > 0)
        assert all(q["speaker"] is None or q["speaker"] in full for q in data["quotes"])  # Kerry's, Lavrov's
    assert "Kerry" in runner.invoke(app, ["summarize", *seed_paths, "--all"]).stdout


def test_the_fire_examples_single_source_sprinklers_are_shown_with_all(example_paths):
    cut = runner.invoke(app, ["summarize", *example_paths]).stdout
    full = runner.invoke(app, ["summarize", *example_paths, "--all"]).stdout
    assert "more (--all shows every one)" in cut
    assert "sprinkler" in full and "— 01_halvard_ledger" in full


def test_one_article_is_said_in_the_singular(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("Dam holds after storm\n\nThe dam held overnight, engineers said. Water levels fell by morning.\n")
    out = runner.invoke(app, ["summarize", str(one)]).stdout
    assert out.startswith("Dam holds after storm: summary of ") and "from 1 article (1 independent origin)" in out
    assert "1 articles" not in out and "(1 origins)" not in out
    html = runner.invoke(app, ["summarize", str(one), "-f", "html"]).stdout
    assert "<h3>1. Dam holds after storm</h3>" in html  # articles numbered from 1


def test_batch_says_each_warning_and_its_count_in_words(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "s1", "documents": ["Only one report. The port reopened on Monday."]}) + "\n")
    result = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "in.jsonl:1 (id s1): only one article" in result.output and "1 warning ->" in result.output


def test_stories_table_piped_whole_lines_dates_without_midnight_and_plurals(tmp_path, example_paths):
    db = tmp_path / "news.db"
    added = runner.invoke(app, ["ingest", *example_paths, "--db", str(db)])
    assert added.exit_code == 0 and "1 story touched" in added.output
    listed = runner.invoke(app, ["stories", "--db", str(db)])
    assert listed.exit_code == 0 and "news.db: 1 story" in listed.stdout
    assert "Pier 9 blaze injures 14, sends smoke over Lower Quay" in listed.stdout  # not wrapped when piped
    assert "2026-03-04" in listed.stdout and "00:00" not in listed.stdout  # the articles give dates only


def test_a_file_given_twice_is_read_once_not_a_wire_copy_of_itself(example_paths):
    twice = [example_paths[0], example_paths[0], *example_paths[1:3]]
    result = runner.invoke(app, ["summarize", *twice, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "given twice; read once" in result.stderr
    data = json.loads(result.stdout)
    assert all(0 not in w["copies"] for w in data["wire_copies"])
    assert max(s["document"] for x in data["sentences"] for s in x["sources"]) <= 2


UNRELATED = [
    "Harbour crane falls\n\nA crane fell at the Eastgate harbour on Monday, officials said. Two dock workers were hurt "
    "when the crane's arm snapped during loading.",
    "Harbour crane collapse injures two\n\nTwo dock workers were hurt when a crane collapsed at Eastgate harbour on "
    "Monday, the port authority said.",
    "Library opens new wing\n\nThe city library opened a children's wing with 4,000 picture books on Saturday. "
    "Readers queued before the doors opened.",
]


def test_summarize_says_when_loose_articles_are_several_stories_and_splits_them(tmp_path):
    paths = []
    for i, text in enumerate(UNRELATED):
        path = tmp_path / f"{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    one = CliRunner().invoke(app, ["summarize", *paths, "--no-compare"])
    assert one.exit_code == 0 and "read as 2 stories" in one.output and "--split" in one.output
    split = CliRunner().invoke(app, ["summarize", *paths, "--no-compare", "--split", "-f", "json"])
    assert split.exit_code == 0, split.output
    results = json.loads(split.stdout)
    assert len(results) == 2 and sorted(len(r["origins"]) for r in results) == [1, 2]


def test_cluster_writes_story_records_that_batch_reads(tmp_path):
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps({"text": t, "outlet": f"o{i}"}) + "\n" for i, t in enumerate(UNRELATED)))
    records = tmp_path / "stories.jsonl"
    done = CliRunner().invoke(app, ["cluster", str(source), "-o", str(tmp_path / "a.jsonl"), "--batch", str(records)])
    assert done.exit_code == 0, done.output
    stories = [json.loads(line) for line in records.read_text().splitlines()]
    assert sorted(len(s["documents"]) for s in stories) == [1, 2]
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(records), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [s["id"] for s in stories]


def test_every_command_runs_one_blas_thread_unless_the_user_chose(monkeypatch, tmp_path):
    from threadpoolctl import threadpool_info, threadpool_limits

    from newsfuse.cli import BLAS_THREAD_VARIABLES

    article = tmp_path / "a.txt"
    article.write_text("Dam holds after storm\n\nThe dam held overnight, engineers said. Water fell.\n")
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    threadpool_limits(2, user_api="blas")
    assert runner.invoke(app, ["summarize", str(article)]).exit_code == 0
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # what a pool or writer process it starts reads
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    threadpool_limits(2, user_api="blas")
    assert runner.invoke(app, ["summarize", str(article)]).exit_code == 0
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"
    assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {2}
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")


# The collector as a process reports it: (young threshold, middle, old), objects frozen.
REPORT_COLLECTOR = "import gc; print('GC', *gc.get_threshold(), gc.get_freeze_count() > 0, file=sys.stderr)"


def _collector_of(code: str, *args: str) -> list[str]:
    """The collector's threshold and whether objects are frozen, at the end of a fresh process running `code`."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\n{REPORT_COLLECTOR}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr.rpartition("GC ")[2].split()


def test_the_cli_process_collects_less_but_importing_newsfuse_does_not(tmp_path):
    from newsfuse.cli import GC_YOUNG_THRESHOLD

    one = tmp_path / "one.txt"
    one.write_text("Dam holds after storm\n\nThe dam held overnight, engineers said. Water levels fell.\n")
    python_default = _collector_of("pass")
    assert python_default[0] != str(GC_YOUNG_THRESHOLD) and python_default[-1] == "False"
    run_cli = "from newsfuse.cli import app\ntry: app(sys.argv[1:])\nexcept SystemExit as done: assert not done.code\n"
    cli = _collector_of(run_cli, "summarize", str(one), "--words", "20", "--selector", "lead")
    assert cli == [str(GC_YOUNG_THRESHOLD), *python_default[1:3], "True"]
    # a user's process that imports the library (and the CLI's module) and summarizes keeps its settings
    library = (
        "import newsfuse, newsfuse.cli, newsfuse.batch, newsfuse.distributed\n"
        "newsfuse.summarize([newsfuse.Article(text=open(sys.argv[1]).read(), outlet='one')], words=20)"
    )
    assert _collector_of(library, str(one)) == python_default


def test_batch_workers_copy_the_parents_collector_setting():
    from newsfuse.cli import GC_YOUNG_THRESHOLD

    ask = (
        "import gc\nfrom newsfuse.batch import worker_pool\n"
        "def worker_setting():\n"
        "    with worker_pool(1) as pool:\n"
        "        return pool.submit(gc.get_threshold).result()[0], pool.submit(gc.get_freeze_count).result() > 0\n"
        "if __name__ == '__main__':\n"
        "    print('WORKER', *worker_setting(), file=sys.stderr)\n"
        "    from newsfuse.cli import collect_less\n"
        "    collect_less()\n"
        "    print('WORKER', *worker_setting(), file=sys.stderr)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{ask}"], capture_output=True, text=True, env=env, timeout=200
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("WORKER")]
    assert before == [_collector_of("pass")[0], "False"]  # a user's process: its workers keep Python's
    assert after == [str(GC_YOUNG_THRESHOLD), "True"]  # after the CLI's setting: the workers copy it


def test_batch_shows_progress_on_a_terminal_only(tmp_path):
    records = tmp_path / "in.jsonl"
    records.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "documents": ["Dam holds. The dam held, engineers said."]}) + "\n"
            for i in range(3)
        )
    )
    _, loaded, _ = _modules_of("batch", str(records), "-o", str(tmp_path / "piped.jsonl"), "--workers", "1")
    assert (tmp_path / "piped.jsonl").exists() and "rich.progress" not in loaded  # stderr is a pipe here
    import pty

    main, terminal = pty.openpty()  # stderr a terminal: the bar is drawn
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"), "COLUMNS": "100"}
    command = [sys.executable, "-m", "newsfuse.cli", "batch", str(records), "-o", str(tmp_path / "shown.jsonl")]
    done = subprocess.run(
        [*command, "--workers", "1"], stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env, timeout=120
    )
    os.close(terminal)
    shown = b""
    while chunk := _read_or_end(main):
        shown += chunk
    assert done.returncode == 0 and b"summarizing" in shown and b"3/3" in shown


def _read_or_end(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end closed: all was read
        return b""
