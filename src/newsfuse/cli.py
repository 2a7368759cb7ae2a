"""The `newsfuse` command line: summarize, compare, batch, eval."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.exceptions import Exit

from .codec import json_line
from .errors import NewsfuseError, NotFoundError, OptionError
from .ingest import LIMITS, display_path
from .model import FORMATS

if TYPE_CHECKING:
    from rich.console import Console

    from .settings import Options

# Options().selector, written here so that building the commands (and `--help`) does not import
# the stages that settings.py gathers (numpy, scipy); tests/test_cli.py checks they agree.
DEFAULT_SELECTOR = "rerank"

# The command line is Click's own (typer, which newsfuse used before, is built on Click): typer
# 0.2x converts every value that is not a flag through pydantic, 0.15-0.2 s of each command's
# start-up (docs/benchmarks.md). The classes below keep the help and the errors as typer printed
# them without rich: arguments listed with their help, named in lower case.


class _Argument(click.Argument):
    """A positional argument with a help text (listed under "Arguments:"), named as typer named it:
    `{paths}...` in the usage line, 'paths' in an error."""

    def __init__(self, param_decls: Sequence[str], help: str = "", **attrs: Any) -> None:
        super().__init__(param_decls, **attrs)
        self.help = help

    def _shown(self) -> str:
        return str(self.name) + ("..." if self.nargs != 1 else "")

    def get_help_record(self, ctx: click.Context) -> tuple[str, str]:
        text = self.help or ""
        return self._shown(), f"{text}  [required]" if self.required else text

    def get_usage_pieces(self, ctx: click.Context) -> list[str]:
        name = f"{{{self.name}}}" if self.required else f"[{self.name}]"
        return [name + ("..." if self.nargs != 1 else "")]

    def get_error_hint(self, ctx: click.Context | None = None) -> str:
        return f"'{self.name}'"


def _argument(name: str, help: str, **attrs: Any):
    """A required argument (Click would leave one of nargs=-1 optional; typer required it)."""
    return click.argument(name, cls=_Argument, help=help, required=True, **attrs)


class _Command(click.Command):
    """Arguments, then options, each in a section of its own."""

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pass  # written by format_options, before the options (Click >= 8.5 would write them here)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = self.get_params(ctx)
        for title, kind in (("Arguments", "argument"), ("Options", "option")):
            rows = [row for p in params if p.param_type_name == kind and (row := p.get_help_record(ctx))]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class _Group(click.Group):
    """The commands listed in the order they are defined (Click sorts them by name)."""

    command_class = _Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        from . import __version__

        print(f"newsfuse {__version__}")
        ctx.exit()


@click.group(
    "newsfuse",
    cls=_Group,
    no_args_is_help=True,
    context_settings={"show_default": True},  # as typer showed them; a command's context inherits it
    help="Fuse many news reports about the same events into one attributed summary.",
)
@click.option(
    "--version", is_flag=True, callback=_version, expose_value=False, is_eager=True, help="Print the version and exit."
)
def app() -> None:
    """Fuse many news reports about the same events into one attributed summary."""
    _one_blas_thread()
    collect_less()


# OpenBLAS reads the first of these it finds; a user who sets one keeps it.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _one_blas_thread() -> None:
    """One BLAS thread for every command unless the user chose: newsfuse's dense products are
    small, and OpenBLAS's thread per core spinning up for each cost 1.17x the CPU of a batch on
    a 2-core machine, with the same output (bench/bench_blas.py). The variable reaches the processes a command
    starts (batch's pool, the service's writer, Dask's workers) and this one's numpy when it
    loads; threadpoolctl limits a numpy already loaded (a caller that imported it first)."""
    if any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if "numpy" not in sys.modules:  # OpenBLAS reads the variable when numpy (or scipy) loads it
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


# The collector's young-generation threshold in the CLI's processes (Python's default is 700): a
# summary allocates millions of short-lived containers, and every 700 surviving ones cost a young
# collection and, each tenth, a middle one; at 10,000 a 150-record batch makes 9 young collections
# and no full one instead of about 143 young, 13 middle and 1 full (docs/benchmarks.md, `gc`). At
# most 10,000 objects of cyclic garbage wait for it: memory stays bounded (the peak RSS of the
# 2,000-article story and of an ingest did not move). The older generations keep Python's 10, 10.
GC_YOUNG_THRESHOLD = 10_000


def collect_less() -> None:
    """The CLI's garbage-collector setting, for a process of newsfuse's own (the command line's,
    batch's workers, which copy it): the objects alive now (modules, models, regexes) move out of
    the collector's generations (`gc.freeze`), so no collection scans them again, and young
    collections come every GC_YOUNG_THRESHOLD surviving allocations. Never called on import: a
    user's process that imports newsfuse keeps its own collector settings."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


@cache
def _err() -> Console:
    """The stderr console, made on first use: a summary printed to stdout never imports rich
    (about 0.05 s of start-up)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


WORDS_HELP = "Summary length in words (default: a rule from the input size)."
ALL_HELP = "List every fact and quote (else the first 8 facts of each kind and 16 quotes, then how many more)."
PATH = click.Path(path_type=Path)  # given as a pathlib.Path, shown as PATH; nothing checked here

# Options several commands share, with the same names and help.
_words_option = click.option("--words", "-w", type=int, help=WORDS_HELP)
_format_option = click.option("--format", "-f", "fmt", default="text", help="text, markdown, json or html.")
_output_option = click.option("--output", "-o", type=PATH, help="Write here instead of stdout.")
_all_option = click.option("--all", "show_all", is_flag=True, help=ALL_HELP)
_scheduler_option = click.option(
    "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 (default: a LocalCluster on this machine)."
)


def _options(words: int | None, selector: str, compare: bool = False) -> Options:
    from .settings import Options

    try:  # Options checks the words range and the selector name (OptionError names the choices)
        return Options(words=words, selector=selector, compare=compare)
    except OptionError as error:
        raise click.BadParameter(str(error)) from error


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise click.BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


@contextmanager
def _progress(total: int | None, label: str) -> Iterator:
    """A rich progress bar on a terminal; nothing when stderr is a file or a pipe (nor rich's
    progress module imported: about 20 ms of a process's start)."""
    if not _err().is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # batch only

    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=_err(), transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


_STYLES = {"warning": "yellow", "skipped": "yellow", "error": "red", "failed": "red", "crashed": "red"}


def _plain(message: object) -> str:
    """A message as rich prints it literally: no markup (an id like `[/]`), no escape sequences."""
    from rich.markup import escape

    from .render import terminal_safe

    return escape(terminal_safe(str(message)))


def _say(kind: str, message: object) -> None:
    """One line on stderr: its kind (warning, error, ...) styled, then the message as plain text."""
    style = _STYLES.get(kind)
    label = f"[{style}]{kind}[/]: " if style else ""
    _err().print(label + _plain(message), highlight=False)


def _say_all(kind: str, messages: Sequence[object], total: int | None = None) -> None:
    """The first LIMITS.errors_shown messages, then how many more there were (`total`: how many
    there were in all, when `messages` keeps only some)."""
    for message in messages[: LIMITS.errors_shown]:
        _say(kind, message)
    shown = min(len(messages), LIMITS.errors_shown)
    count = len(messages) if total is None else total
    if count > shown:
        _say(kind, f"... and {count - shown:,} more not shown (the first {shown} are)")


def _table_console() -> Console:
    """Where tables go: the terminal at its width; a pipe or file gets whole lines (no wrapping at 80)."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=100_000)


def _stop(message: object, code: int = 1) -> Exit:
    _say("error", message)
    return Exit(code)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _refuse_overwrite(output: Path | None, inputs: Iterable[str | Path]) -> None:
    """Exit (2) when the output is one of the inputs, or inside an input directory it was found in."""
    if output is None:
        return
    for raw in inputs:
        if str(raw) == "-":
            continue
        given = Path(raw)
        inside = given.is_dir() and output.exists() and given.resolve() in output.resolve().parents
        if _same_file(output, given) or inside:
            raise _stop(
                f"{display_path(output)}: is an input too; writing there would overwrite it; choose another --output", 2
            )


def _write(text: str, output: Path | None) -> None:
    """To stdout, or to `output` atomically (a temporary beside it, renamed): a full disk leaves the
    old file as it was and no temporary behind."""
    if output is None:
        sys.stdout.write(text)
        return
    from .distributed import write_atomic

    try:
        write_atomic(output, [text], sync=False)
    except OSError as error:
        raise _stop(f"{display_path(output)}: cannot write it ({error.strerror or error}); nothing written") from None
    _err().print(f"wrote {_plain(display_path(output))}", highlight=False)


@app.command()
@_argument("paths", "Files or directories (.txt .html .jsonl .json, feeds, Multi-News text); - for stdin.", nargs=-1)
@_words_option
@_format_option
@_output_option
@click.option("--selector", default=DEFAULT_SELECTOR, help="Content selector (see `newsfuse selectors`).")
@click.option("--compare/--no-compare", default=True, help="Add the comparison of sources.")
@_all_option
@click.option("--split", is_flag=True, help="Summarize each story the loose articles form.")
def summarize(
    paths: tuple[str, ...],
    words: int | None,
    fmt: str,
    output: Path | None,
    selector: str,
    compare: bool,
    show_all: bool,
    split: bool,
) -> None:
    """Summarize the articles given (loose articles form one story, or with --split each story they
    form; batch records are their own)."""
    _summarize_paths(list(paths), _options(words, selector, compare), _check_format(fmt), output, show_all, split)


@app.command("compare")
@_argument("paths", "Files or directories, as for summarize; - for stdin.", nargs=-1)
@_format_option
@_output_option
@_all_option
def compare_cmd(paths: tuple[str, ...], fmt: str, output: Path | None, show_all: bool) -> None:
    """Compare the sources alone: corroborated and single-source facts, quotes, disagreements, wire copies.

    Each article's outlet too; `summarize` gives the same comparison after the summary."""
    from .compare import compare
    from .ingest import read_paths
    from .pipeline import distinct
    from .prepare import prepare
    from .render import render_comparison

    fmt = _check_format(fmt)
    _refuse_overwrite(output, paths)
    pile = distinct(read_paths(list(paths)))
    _say_all("warning", pile.problems)
    rendered, failed = [], []
    for story in pile.all_stories():
        try:
            rendered.append(render_comparison(compare(prepare(story)), _shown(story, show_all), fmt))
        except NewsfuseError as error:
            failed.append(error)
    _say_all("error", failed)
    if not rendered:
        raise _stop("nothing to compare")
    _write("\n".join(rendered) + ("\n" if fmt == "json" else ""), output)


def _shown(story, show_all: bool = False):
    """What a view of the story shows: its articles, titled by its headline (and its own id)."""
    from .render import Shown, story_title

    return Shown(story.articles, story_title(story.articles, story.id), all=show_all)


def _summarize_paths(
    paths: list[str], options: Options, fmt: str, output: Path | None, show_all: bool = False, split: bool = False
) -> None:
    from .codec import summary_to_dict
    from .ingest import read_paths
    from .pipeline import distinct, summarize_story
    from .render import render

    _refuse_overwrite(output, paths)
    pile = distinct(read_paths(paths))
    _say_all("warning", pile.problems)
    rendered, results, failed = [], [], []
    for story in _stories_of(pile, options, split):
        try:
            summary = summarize_story(story, options)
        except NewsfuseError as error:
            failed.append(error)
            continue
        rendered.append(render(summary, _shown(story, show_all), fmt))
        results.append(summary_to_dict(summary))
    _say_all("error", failed)
    if not results:
        raise _stop("nothing to summarize")
    if fmt == "json":
        _write(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=2) + "\n", output)
    else:
        _write("\n".join(rendered), output)


def _stories_of(pile, options: Options, split: bool) -> list:
    """The pile's stories. Loose articles given together are one story; when they read as several
    (story clustering, `options.clustering`), say which articles form which, and with `split`
    summarize each of them instead."""
    from .model import Story
    from .stories import cluster_articles

    loose = pile.articles
    if len(loose) < 2:
        return pile.all_stories()
    labels = cluster_articles(loose, settings=options.clustering)
    groups: dict[int, list] = {}
    for article, label in zip(loose, labels):
        groups.setdefault(label, []).append(article)
    if len(groups) == 1:
        return pile.all_stories()
    names = "; ".join(
        f"story {k}: " + ", ".join(_plain(a.origin_file or a.outlet or "?") for a in group)
        for k, group in enumerate(groups.values(), 1)
    )
    if not split:
        _say(
            "warning",
            f"these articles read as {len(groups)} stories ({names}); summarized as one, --split summarizes each",
        )
        return pile.all_stories()
    _say("", f"{len(groups)} stories: {names}")
    return [*pile.stories, *(Story(articles=g, id=f"input-{k}") for k, g in enumerate(groups.values(), 1))]


@app.command()
@_argument(
    "input",
    "JSONL (optionally .gz) or Parquet files, globs or directories of them: one story a record, {id, documents}.",
    nargs=-1,
)
@click.option(
    "--output",
    "-o",
    type=PATH,
    required=True,
    help="A .jsonl or .parquet file, or else a directory of part files (part-00000.jsonl ...).",
)
@_words_option
@click.option("--workers", default=0, help="Processes, or Dask workers of a local cluster (0: one per core).")
@click.option("--selector", default=DEFAULT_SELECTOR, help="Content selector.")
@click.option("--compare", is_flag=True, help="Add facts, quotes, disagreements, syndication.")
@click.option("--engine", default="local", help="local (process pool) or dask (needs the dask extra).")
@_scheduler_option
@click.option(
    "--partitions",
    type=int,
    help="Split the corpus into N partitions (default: 100 records each); a rerun skips finished ones.",
)
def batch(
    input: tuple[str, ...],
    output: Path,
    words: int | None,
    workers: int,
    selector: str,
    compare: bool,
    engine: str,
    scheduler: str | None,
    partitions: int | None,
) -> None:
    """Summarize a corpus, one story a record; a bad record is reported and the rest completes."""
    from .distributed import count_records, discover_inputs, run_dask, run_local
    from .render import plural

    options = _options(words, selector, compare)
    if engine not in ("local", "dask"):
        raise click.BadParameter(f"unknown engine {engine!r}; choose local or dask")
    if scheduler and engine != "dask":
        raise click.BadParameter("--scheduler needs --engine dask")
    try:
        paths = discover_inputs(list(input))
        _refuse_overwrite(output, paths)
        total = sum(count_records(p) for p in paths)
        with _progress(total, "summarizing") as advance:
            if engine == "dask":
                report = run_dask(
                    paths,
                    output,
                    options,
                    scheduler=scheduler,
                    workers=workers or None,
                    partitions=partitions,
                    advance=advance,
                    total=total,
                    log=lambda m: _say("", m),
                )
            else:
                report = run_local(
                    paths, output, options, workers=workers or None, partitions=partitions, advance=advance, total=total
                )
    except NewsfuseError as error:
        raise _stop(error) from None
    except OSError as error:  # a full disk, a read-only directory: what was committed stays
        where = display_path(error.filename) if error.filename else display_path(output)
        kept = "" if output.suffix == ".jsonl" else "; finished parts are kept, rerun to resume"
        raise _stop(f"{where}: {error.strerror or error}{kept}") from None
    _say_all("failed", report.failed, total=report.failures)
    _say_all("warning", report.warned, total=report.warnings)
    _say_all("crashed", [f"{m}; rerun the same command to finish" for m in report.crashed_parts or []])
    reused = f", {report.reused_parts} of {report.parts} parts reused" if report.reused_parts else ""
    _err().print(
        f"{report.done} summarized, {report.failures} failed, {plural(report.warnings, 'warning')}{reused} -> "
        + _plain(display_path(output)),
        highlight=False,
    )
    if report.done == 0 or report.crashed_parts:
        raise Exit(1)


@app.command("eval")
@_argument("input", "Multi-News style JSONL (.gz) with documents and summary.", type=PATH)
@click.option("--limit", type=int, help="Evaluate the first N clusters only.")
@_words_option
@click.option("--selector", default=DEFAULT_SELECTOR, help="Content selector to evaluate.")
@click.option("--json", "json_out", is_flag=True, help="Print the table as JSON.")
def evaluate_cmd(input: Path, limit: int | None, words: int | None, selector: str, json_out: bool) -> None:
    """ROUGE (rouge-score, stemming, F1) of newsfuse beside lead and sumy LexRank, same length."""
    from rich.console import Console
    from rich.table import Table

    from .evaluate import ROUGE_TYPES, dump, evaluate, load_clusters

    options = _options(words, selector)
    if not input.is_file():
        what = "not a regular file" if input.exists() else "no such file"
        raise _stop(f"{display_path(input)}: {what}; give a Multi-News style .jsonl or .jsonl.gz")
    try:
        clusters = list(load_clusters(input, limit))
    except (OSError, EOFError) as error:  # a damaged gzip, an unreadable file
        raise _stop(f"{display_path(input)}: cannot read it ({error})") from None
    if not clusters:
        raise _stop(f"{display_path(input)}: no usable cluster (a record needs documents and a summary)")
    with _progress(len(clusters), "evaluating") as advance:
        scores = evaluate(clusters, options, progress=advance)
    if json_out:
        print(dump(scores))
        return
    table = Table(title=f"{_plain(display_path(input.name))}: {scores.clusters} clusters (ROUGE F1 x100, stemming)")
    for column in ("system", *ROUGE_TYPES, "words", "ms/cluster"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for row in scores.table():
        table.add_row(
            row["system"],
            *(f"{row[k]:.2f}" for k in ROUGE_TYPES),
            f"{row['words']:.0f}",
            f"{row['ms_per_cluster']:.1f}",
        )
    _table_console().print(table)
    prepare = 1000 * scores.seconds.get("prepare", 0.0) / max(1, scores.clusters)
    Console().print(f"shared preparation (clean, segment, syndicate): {prepare:.1f} ms/cluster")
    _say_all("skipped", scores.skipped)


@app.command("train")
@click.option(
    "--train",
    "train_path",
    type=PATH,
    default=Path("../shared/data/multinews/train.jsonl.gz"),
    help="Multi-News training clusters (JSONL .gz).",
)
@click.option(
    "--validation",
    "validation_path",
    type=PATH,
    default=Path("../shared/data/multinews/validation.jsonl.gz"),
    help="Multi-News validation clusters, for the printed evaluation.",
)
@click.option("--out", "out_dir", type=PATH, help="Where to write learned.json (default: the package's models/).")
@click.option("--seed", default=0, help="Random seed (the shipped model uses 0).")
@click.option("--limit", type=int, help="Training clusters (default 20,000, as shipped).")
@click.option(
    "--reranker/--no-reranker", default=True, help="Also train the reranker (rerank.json) over the new model."
)
@click.option(
    "--pairs/--no-pairs",
    default=True,
    help="Also train the same-claim model (same-claim.json, updates' --decision learned) on ../shared/data/trust.",
)
@click.option("--pairs-only", is_flag=True, help="Train only the same-claim model (no Multi-News).")
@click.option(
    "--join/--no-join",
    default=True,
    help="Also train the undated join model (undated-join.json) on --events and --train's first records.",
)
@click.option(
    "--events",
    "events_dir",
    type=PATH,
    default=Path("../shared/data/events"),
    help="The dated event sets (their tuning portions).",
)
@click.option("--join-only", is_flag=True, help="Train only the undated join model.")
def train_cmd(
    train_path: Path,
    validation_path: Path,
    out_dir: Path | None,
    seed: int,
    limit: int | None,
    reranker: bool,
    pairs: bool,
    pairs_only: bool,
    join: bool,
    events_dir: Path,
    join_only: bool,
) -> None:
    """Reproduce the learned selector's, the reranker's, the same-claim and the undated join models, then evaluate them."""
    from .select.learned import MODEL_PATH
    from .train import train, train_pairs, write_places

    if join_only or (join and not pairs_only):
        from .storyjoin import train_join

        try:
            made = train_join(out_dir or MODEL_PATH.parent, events_dir, train_path)
        except (NewsfuseError, OSError) as error:
            raise click.BadParameter(str(error)) from None
        _err().print(f"model {made['model']}, {made['train_rows']} joins of {', '.join(made['train_streams'])}")
    if join_only:
        return

    if pairs or pairs_only:
        try:
            done = train_pairs(out_dir or MODEL_PATH.parent, progress=True)
        except NewsfuseError as error:
            raise click.BadParameter(str(error)) from None
        _err().print(f"model {done['model']}, {done['train_pairs']} pairs of {', '.join(done['train_sets'])}")
    if pairs_only:
        return
    for path in (train_path, validation_path):
        if not path.exists():
            raise click.BadParameter(f"{path}: no such file")
    write_places(out_dir or MODEL_PATH.parent)  # pycountry's place names, which quotes reads
    metrics = train(
        train_path, validation_path, out_dir or MODEL_PATH.parent, seed=seed, limit=limit, reranker=reranker
    )
    _err().print(
        f"model {metrics['model']} ({metrics['model_bytes'] / 1e6:.1f} MB), "
        f"{metrics['train_clusters']} clusters, {metrics['seconds_total']:.0f} s"
    )


@app.command()
def selectors() -> None:
    """List the content selectors."""
    from .select import available

    for name in available():
        print(name)


# ---- stories: clustering a stream, and the persistent store -----------------------------------


def _read_articles(paths: list[str]) -> list:
    """Every article of the inputs, loose ones and those of story records, in input order."""
    from .ingest import read_paths
    from .pipeline import distinct

    pile = distinct(read_paths(paths))
    _say_all("warning", pile.problems)
    articles = [a for a in pile.articles + [a for s in pile.stories for a in s.articles] if a.text.strip()]
    if not articles:
        raise _stop("no article to read")
    return articles


def _span(first, last) -> str:
    """First report, and how long after it the latest came; a date-only time (00:00) is not shown."""
    if first is None:
        return "-"
    days = (last - first).total_seconds() / 86400
    when = f"{first:%Y-%m-%d}" if (first.hour, first.minute, first.second) == (0, 0, 0) else f"{first:%Y-%m-%d %H:%M}"
    return when + (f" +{days:.1f}d" if days >= 0.05 else "")


@app.command()
@_argument("paths", "Files or directories, as for summarize (JSONL: one article a line).", nargs=-1)
@click.option("--output", "-o", type=PATH, required=True, help="JSONL: one line per article, {id, story}.")
@click.option("--stories", "stories_out", type=PATH, help="Write the story list here (JSONL) instead of stderr.")
@click.option(
    "--batch",
    "batch_out",
    type=PATH,
    help="Write each story as a record `newsfuse batch` reads: {id, headline, documents}.",
)
@click.option(
    "--engine",
    default="local",
    help="local (one pass in this process) or dask (time partitions in parallel, then merged).",
)
@_scheduler_option
@click.option("--workers", default=0, help="Dask workers of a local cluster (0: one per core).")
@click.option(
    "--partitions",
    type=int,
    help="Time partitions for --engine dask (default: one per worker thread, of 200 articles at least).",
)
def cluster(
    paths: tuple[str, ...],
    output: Path,
    stories_out: Path | None,
    batch_out: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int,
    partitions: int | None,
) -> None:
    """Group articles into stories in one pass (in memory); nothing is stored."""
    from .distributed import write_atomic
    from .render import plural

    _check_engine(engine, scheduler, partitions, workers)
    _refuse_overwrite(output, paths)
    _refuse_overwrite(stories_out, paths)
    _refuse_overwrite(batch_out, paths)
    articles = _read_articles(list(paths))
    labels = _cluster_labels(articles, engine, scheduler, workers, partitions)
    keys = [a.id or a.origin_file or str(i) for i, a in enumerate(articles)]
    records = _story_records(articles, keys, labels)
    lines = (json_line({"id": key, "story": label}) for key, label in zip(keys, labels))
    try:
        write_atomic(output, lines, sync=False)
        if stories_out is not None:
            write_atomic(stories_out, (json_line(r) for r in records), sync=False)
        if batch_out is not None:
            write_atomic(batch_out, _batch_records(articles, labels, records), sync=False)
    except OSError as error:
        where = display_path(error.filename) if error.filename else display_path(output)
        raise _stop(f"{where}: cannot write it ({error.strerror or error})") from None
    if stories_out is None:
        for r in records:
            _say(
                "",
                f"story {r['story']}: {r['headline']} "
                f"({plural(len(r['articles']), 'article')}, {plural(len(r['outlets']), 'outlet')})",
            )
    _err().print(
        f"{plural(len(articles), 'article')} in {plural(len(records), 'story', 'stories')} -> "
        + _plain(display_path(output)),
        highlight=False,
    )


def _check_engine(engine: str, scheduler: str | None, partitions: int | None, workers: int) -> None:
    if engine not in ("local", "dask"):
        raise click.BadParameter(f"unknown engine {engine!r}; choose local or dask")
    if engine != "dask" and (scheduler or partitions is not None or workers):
        raise click.BadParameter("--scheduler, --workers and --partitions need --engine dask")
    if partitions is not None and partitions < 1:
        raise click.BadParameter(f"--partitions must be at least 1, got {partitions}")
    if workers < 0:
        raise click.BadParameter(f"--workers must be 0 (one per core) or more, got {workers}")


def _cluster_labels(articles: list, engine: str, scheduler: str | None, workers: int, partitions: int | None) -> list:
    """Story ids of the articles: one pass here, or time partitions on Dask merged at their boundaries."""
    from .settings import Options

    settings = Options().clustering
    if engine == "local":
        from .stories import cluster_articles

        return cluster_articles(articles, settings=settings)
    from .partitioned import cluster_dask

    try:
        labels, _ = cluster_dask(articles, settings, partitions, scheduler, workers or None, log=lambda m: _say("", m))
    except NewsfuseError as error:
        raise _stop(error) from None
    except OSError as error:  # no scheduler at that address, or it went away
        raise _stop(f"dask scheduler {scheduler or '(local cluster)'}: {error}") from None
    return labels


def _batch_records(articles: list, labels: list, records: list) -> Iterator[str]:
    """One JSONL line a story, in the batch input form: its articles as documents with what is known."""
    from .store import _iso

    for record in records:
        documents = [
            {
                k: v
                for k, v in (
                    ("text", a.text),
                    ("outlet", a.outlet),
                    ("url", a.url),
                    ("title", a.title),
                    ("published", _iso(a.published)),
                    ("id", a.id),
                )
                if v is not None
            }
            for a, label in zip(articles, labels)
            if label == record["story"]
        ]
        line = {"id": f"story-{record['story']}", "headline": record["headline"], "documents": documents}
        yield json_line(line)


def _story_records(articles: list, keys: list, labels: list) -> list:
    from .store import _headline, _iso
    from .stories import as_utc

    members: dict = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    records = []
    for label, idx in members.items():
        dates = sorted(d for d in (as_utc(articles[i].published) for i in idx) if d is not None)
        titled = [articles[i] for i in idx if articles[i].title] or [articles[idx[0]]]
        records.append(
            {
                "story": label,
                "headline": _headline(titled[0]),
                "articles": [keys[i] for i in idx],
                "outlets": sorted({articles[i].outlet for i in idx if articles[i].outlet}),
                "first": _iso(dates[0]) if dates else None,
                "last": _iso(dates[-1]) if dates else None,
            }
        )
    return records


@contextmanager
def _open_store(db: Path, create: bool = False) -> Iterator:
    """The store at `db` (only `create`, for ingest, makes a new one), with a damaged file, a full
    disk or any other database failure inside the block said in one line (exit 1)."""
    import sqlite3  # here: a summary needs no database

    from .store import Store

    try:
        with Store(db, create=create) as store:
            yield store
    except NewsfuseError as error:
        raise _stop(error) from None
    except sqlite3.DatabaseError as error:
        where = display_path(db)
        if "full" in str(error):
            raise _stop(f"{where}: {error}; what was committed before is kept, free space and rerun") from None
        raise _stop(
            f"{where}: the database is damaged ({error}); restore a backup, or try `sqlite3 {where} .recover`"
        ) from None
    except OSError as error:
        raise _stop(f"{display_path(db)}: {error.strerror or error}") from None


@app.command("ingest")
@_argument("paths", "Files or directories, as for summarize, and http(s):// URLs of feeds or article pages.", nargs=-1)
@click.option("--db", type=PATH, required=True, help="The store (an SQLite file; created when missing).")
@click.option(
    "--summarize/--no-summarize",
    default=True,
    help="Refresh the touched stories' summaries now (else on first show).",
)
def ingest_cmd(paths: tuple[str, ...], db: Path, summarize: bool) -> None:
    """Add articles to the store: each joins a story or starts one; a re-ingested article changes nothing.
    A feed URL is fetched with the pages it links (each failure is reported, the rest go on)."""
    from .fetch import is_url

    urls = [p for p in paths if is_url(p)]
    files = [p for p in paths if not is_url(p)]
    with _open_store(db, create=True) as store:  # a bad --db is named before any reading
        articles = _read_articles(files) if files else []
        done = store.ingest(articles, summarize=summarize) if articles else []
        if urls:
            fetched, unchanged = _fetch_into(store, urls, summarize)
            done += fetched
            if not done and not unchanged:
                raise _stop("no article to read")
    _report_ingested(done, db)


def _fetch_into(store, urls: list[str], summarize: bool) -> tuple[list, list[str]]:
    """Fetch the URLs into the store, saying each failure; the ingested and the unchanged URLs."""
    from .fetch import Fetcher, ingest_urls

    with Fetcher(store=store) as fetcher:
        report, done = ingest_urls(store, urls, fetcher, summarize=summarize)
    _say_all("warning", report.problems)
    for url in report.unchanged:
        _say("", f"{url}: not modified since the last fetch")
    return done, report.unchanged


def _report_ingested(done: list, db: Path) -> None:
    from .render import plural

    added = [d for d in done if d.added]
    _err().print(
        f"{len(added)} added, {len(done) - len(added)} already stored; "
        f"{plural(len({d.story for d in added}), 'story', 'stories')} touched -> {_plain(display_path(db))}",
        highlight=False,
    )


@app.command("watch")
@_argument("feeds", "http(s):// URLs of RSS/Atom feeds (or pages) to poll.", nargs=-1)
@click.option("--db", type=PATH, required=True, help="The store (created when missing).")
@click.option("--every", default="10m", help="How often to poll: 90, 30s, 10m, 1h.")
@click.option("--summarize/--no-summarize", default=True, help="Refresh touched stories' summaries.")
def watch_cmd(feeds: tuple[str, ...], db: Path, every: str, summarize: bool) -> None:
    """Poll the feeds and ingest what is new, until SIGINT or SIGTERM (which end it cleanly)."""
    import signal
    import threading

    from .fetch import watch

    urls = list(feeds)
    seconds = _poll_every(urls, every, "FEEDS")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _open_store(db, create=True) as store:

            def poll() -> None:
                done, _ = _fetch_into(store, urls, summarize)
                _report_ingested(done, db)

            rounds = watch(poll, seconds, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _err().print(f"stopped after {rounds} polls", highlight=False)


@app.command("stories")
@click.option("--db", type=PATH, required=True, help="The store.")
@click.option("--json", "json_out", is_flag=True, help="Print JSON lines instead of a table.")
@click.option("--limit", type=int, help="The N most recent stories only.")
def stories_cmd(db: Path, json_out: bool, limit: int | None) -> None:
    """List the stored stories, the most recently active first."""
    from rich.table import Table
    from rich.text import Text

    from .render import plural, terminal_safe

    with _open_store(db) as store:
        infos = store.stories()[:limit] if limit else store.stories()
    if json_out:
        for info in infos:
            print(json_line(info.to_dict()), end="")
        return
    table = Table(title=Text(f"{terminal_safe(display_path(db.name))}: {plural(len(infos), 'story', 'stories')}"))
    for column in ("story", "headline", "articles", "outlets", "time span"):
        table.add_column(column, justify="right" if column in ("story", "articles", "outlets") else "left")
    for info in infos:  # a stored headline is shown as it is written, never read as markup
        headline = Text(terminal_safe(info.headline or ""))
        table.add_row(str(info.id), headline, str(info.articles), str(info.outlets), _span(info.first, info.last))
    _table_console().print(table)


@app.command()
@_argument("story", "Story id (see `newsfuse stories`).", type=int)
@click.option("--db", type=PATH, required=True, help="The store.")
@_format_option
@_output_option
@click.option("--since", help="Only what is new after TIME (2025-06-02, 2025-06-02T12:00, or 6h / 2d ago).")
@click.option(
    "--timeline", is_flag=True, help="Only the timeline: when each fact was first reported, and by which outlet."
)
@_all_option
def show(
    story: int, db: Path, fmt: str, output: Path | None, since: str | None, timeline: bool, show_all: bool
) -> None:
    """Print one story's summary and comparison (cached; recomputed when stale); with --since, the
    update: new sentences of the later articles and the values that changed; with --timeline,
    each fact by its first report."""
    from .render import Shown, render

    fmt = _check_format(fmt)
    if since is not None and timeline:
        raise click.BadParameter("give --since or --timeline, not both", param_hint="--timeline")
    if since is not None:
        _show_update(story, db, fmt, output, since)
        return
    if timeline:
        _show_timeline(story, db, fmt, output)
        return
    with _open_store(db) as store:
        try:
            stored = store.story(story)
            summary = store.summary(story, stored)
            articles = stored.articles
            info = store.info(story)
        except NotFoundError:
            raise _stop(f"no story {story} in {display_path(db)}") from None
    shown = Shown(articles, title=f"{story}: {info.headline}", all=show_all)
    _write(render(summary, shown, fmt) + ("\n" if fmt == "json" else ""), output)


def _show_update(story: int, db: Path, fmt: str, output: Path | None, since: str) -> None:
    from .updates import parse_since, render_update, stored_update

    try:
        moment = parse_since(since)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since") from None
    with _open_store(db) as store:
        try:
            found, update = stored_update(store, story, moment)
        except NotFoundError:
            raise _stop(f"no story {story} in {display_path(db)}") from None
    _write(render_update(update, found, fmt), output)


def _show_timeline(story: int, db: Path, fmt: str, output: Path | None) -> None:
    from .updates import render_timeline, stored_timeline

    with _open_store(db) as store:
        try:
            found = stored_timeline(store, story)
        except NotFoundError:
            raise _stop(f"no story {story} in {display_path(db)}") from None
    _write(render_timeline(found, fmt) + ("\n" if fmt == "json" else ""), output)


@app.command()
@click.option("--db", type=PATH, default=Path("newsfuse.db"), help="The store (newsfuse ingest --db creates one).")
@click.option("--host", default="127.0.0.1", help="Interface to bind; the default answers this machine only.")
@click.option("--port", default=8000, help="TCP port.")
@click.option(
    "--token",
    envvar="NEWSFUSE_TOKEN",
    show_envvar=True,
    help="Bearer token that POST /api/articles needs (or $NEWSFUSE_TOKEN).",
)
@click.option("--workers", default=0, help="Processes for /api/summarize (0: threads of the server process).")
@click.option(
    "--allowed-host",
    multiple=True,
    help="A name the Host header may carry besides 127.0.0.1, localhost and ::1 (repeatable; '*': any). "
    "Other hosts get 400, which stops DNS rebinding.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0.1),
    metavar="FLOAT",
    default=10.0,
    help="Seconds a connection has to send a request's headers before it is closed.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(min=0.1),
    metavar="FLOAT",
    default=60.0,
    help="Seconds a request has to send its body after its headers (then 408).",
)
@click.option(
    "--watch",
    "watch_feeds",
    multiple=True,
    help="An http(s):// feed to poll while serving, as `newsfuse watch` does (repeatable).",
)
@click.option("--every", default="10m", help="How often --watch polls: 90, 30s, 10m, 1h.")
def serve(
    db: Path,
    host: str,
    port: int,
    token: str | None,
    workers: int,
    allowed_host: tuple[str, ...],
    header_timeout: float,
    body_timeout: float,
    watch_feeds: tuple[str, ...],
    every: str,
) -> None:
    """Serve the web pages and the JSON API (/api, schema at /openapi.json) over a story store;
    with --watch, poll those feeds into it meanwhile (stopped with the server)."""
    try:
        import uvicorn

        from .serve import create_app
        from .serve.app import SERVE_SUMMARIZER
        from .serve.guard import LOOPBACK_HOSTS
        from .serve.server import uvicorn_settings
    except ImportError as error:
        raise _stop(f"{error.name} is missing; install the serve extra: pip install 'newsfuse[serve]'") from None
    watcher = _watcher(list(watch_feeds), every)
    with _open_store(db):  # a mistyped --db is named here, not served as a new empty store
        pass
    loopback = host in LOOPBACK_HOSTS
    if not loopback and not token:
        _say("warning", f"listening on {host} without --token: anyone who reaches it can add articles")
    # A specific address bound is a name clients use; 0.0.0.0 and :: are not (name them with --allowed-host).
    bound = [] if loopback or host in ("0.0.0.0", "::", "") else [host]
    try:
        application = create_app(
            db,
            token=token,
            workers=workers,
            allowed_hosts=[*LOOPBACK_HOSTS, *bound, *allowed_host],
            body_timeout=body_timeout,
            watcher=watcher,
            summarizer=SERVE_SUMMARIZER,
        )
    except ValueError as error:
        raise _stop(f"--allowed-host: {error}", code=2) from None
    if not loopback and not (bound or allowed_host):
        _say(
            "warning",
            "only requests for 127.0.0.1, localhost or ::1 are answered; add the names clients use with --allowed-host",
        )
    uvicorn.run(application, host=host, port=port, log_level="info", **uvicorn_settings(header_timeout))


def _poll_every(feeds: list[str], every: str, feeds_hint: str) -> float:
    """The seconds of --every, once every feed is checked to be an http(s) URL (else exit 2)."""
    from .fetch import is_url, parse_every

    try:
        seconds = parse_every(every)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from None
    bad = [f for f in feeds if not is_url(f)]
    if bad:
        raise click.BadParameter(f"not an http(s):// URL: {bad[0]}", param_hint=feeds_hint)
    return seconds


def _watcher(feeds: list[str], every: str):
    """The feed watcher `serve --watch` runs beside the service (None without feeds)."""
    import logging

    from .fetch import Watcher

    seconds = _poll_every(feeds, every, "--watch")
    if not feeds:
        return None
    # uvicorn configures only its own loggers: each poll's report and failures go to stderr beside them.
    log = logging.getLogger("newsfuse.watch")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return Watcher(feeds, seconds)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
