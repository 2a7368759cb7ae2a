"""Clustering in time partitions and merging across their boundaries (newsfuse.partitioned, cluster --engine dask)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsfuse.cli import app
from newsfuse.distributed import DASK_INSTALL
from newsfuse.errors import OptionError
from newsfuse.model import Article
from newsfuse.partitioned import (
    _combine,
    cluster_dask,
    cluster_partition,
    cluster_partitioned,
    merge_partitions,
    plan_partitions,
)
from newsfuse.stories import DEFAULT, StoryClusterer, StoryState, cluster_articles

runner = CliRunner()
T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
STORIES = {
    "crane": [
        "A harbour crane collapsed at the container terminal on Pier Nine, injuring two dockworkers, port officials said.",
        "Port officials closed the Pier Nine container terminal after a crane collapsed and injured two dockworkers.",
        "Inspectors examined the cables of the collapsed crane at the Pier Nine terminal, where two dockworkers were hurt.",
        "The Pier Nine terminal reopened after inspectors cleared the cranes; the two injured dockworkers left hospital.",
    ],
    "recount": [
        "The county board ordered a recount of the mayoral election after the challenger trailed by forty ballots.",
        "Election officials began the mayoral recount on Tuesday, with the challenger forty ballots behind.",
        "The mayoral recount confirmed the incumbent's narrow win; the challenger conceded the election.",
    ],
    "drought": [
        "Farmers in the valley drilled deeper wells as the drought drained the reservoir to a record low.",
        "The reservoir fell to its lowest level in decades, and valley farmers said their wells ran dry in the drought.",
        "Rain eased the valley drought slightly, but the reservoir stayed far below normal and wells remained dry.",
    ],
    "museum": [
        "Thieves stole three medieval manuscripts from the city museum overnight, smashing a display case.",
        "Police released footage of the museum thieves who took the medieval manuscripts from a smashed case.",
        "Two suspects were arrested and the stolen medieval manuscripts returned to the museum, police said.",
    ],
    "vaccine": [
        "The health ministry approved a new measles vaccine for infants after a trial in four regions.",
        "Clinics began giving infants the newly approved measles vaccine on Monday, the health ministry said.",
        "Measles cases among infants fell in regions where clinics offered the new vaccine, ministry data showed.",
    ],
}
# Hours after T0: the crane story runs through the night from day 1 into day 2, where the stream is cut.
HOURS = {"recount": [1, 5, 20], "drought": [2, 9, 30], "museum": [26, 33, 44], "crane": [21, 23.5, 25, 28]}
HOURS["vaccine"] = [50, 52, 60]


def _stream(dated: bool = True) -> tuple[list[Article], list[str]]:
    """Five stories in time order; the crane story straddles the cut between the two partitions."""
    items = sorted((T0 + timedelta(hours=h), name, t) for name, ts in STORIES.items() for h, t in zip(HOURS[name], ts))
    articles = [
        Article(t, published=when if dated else None, id=f"{name}-{i}") for i, (when, name, t) in enumerate(items)
    ]
    return articles, [name for _, name, _ in items]


def _members(labels: list[int], truth: list[str], name: str) -> set[int]:
    return {label for label, t in zip(labels, truth) if t == name}


@pytest.mark.timeout(60)
def test_story_straddling_a_boundary_is_merged_into_one_as_one_pass_makes_it():
    articles, truth = _stream()
    plan = plan_partitions(articles, 3, min_size=1)
    parts_of_crane = {p.number for p in plan for i in p.positions if truth[i] == "crane"}
    assert len(plan) == 2 and len(parts_of_crane) == 2  # the cut goes through the crane story
    alone = [cluster_partition(p) for p in plan]
    assert sum(len({lab for lab, i in zip(r.labels, r.positions) if truth[i] == "crane"}) for r in alone) == 2
    labels, _ = cluster_partitioned(articles, 3, min_size=1)
    assert labels == cluster_articles(articles)
    assert len(_members(labels, truth, "crane")) == 1 and len(set(labels)) == 6  # drought's day-2 article is new


@pytest.mark.timeout(60)
def test_undated_articles_follow_their_clock_and_an_undated_stream_is_cut_by_position():
    articles, truth = _stream()
    late = Article(STORIES["crane"][0].replace("collapsed", "fell"), id="crane-undated")
    at = truth.index("museum", 9)  # after the crane's 28 h article, in the second partition by its clock
    mixed, mixed_truth = [*articles[:at], late, *articles[at:]], [*truth[:at], "crane", *truth[at:]]
    plan = plan_partitions(mixed, 3, min_size=1)
    # in the second range (its clock: the 30 h article before it), which starts at the first's last clock
    assert at in plan[-1].positions and plan[-1].start == max(a.published for a in plan[0].articles)
    labels = cluster_partitioned(mixed, 3, min_size=1)[0]
    assert labels == cluster_articles(mixed) and len(_members(labels, mixed_truth, "crane")) == 1
    undated, undated_truth = _stream(dated=False)
    plan = plan_partitions(undated, 3, min_size=1)
    assert [p.positions for p in plan] == [list(range(0, 6)), list(range(6, 12)), list(range(12, 16))]
    labels = cluster_partitioned(undated, 3, min_size=1)[0]
    assert labels == cluster_articles(undated) and len(_members(labels, undated_truth, "crane")) == 1


@pytest.mark.timeout(60)
def test_merge_joins_by_the_first_articles_likeness_and_combines_as_one_pass():
    articles, truth = _stream()
    plan = plan_partitions(articles, 3, min_size=1)
    results = [cluster_partition(p) for p in plan]
    assert merge_partitions(results, len(articles)) == cluster_articles(articles)
    # the crane piece of the second partition with an unrelated first article stays a story of its own
    second = results[1]
    vaccine = cluster_partition(plan_partitions(articles[-1:], 1)[0]).pieces[0].vector
    changed = replace(second, pieces=[replace(second.pieces[0], vector=vaccine), *second.pieces[1:]])
    assert len(set(merge_partitions([results[0], changed], len(articles)))) == 7
    # a story's state from two pieces is the one one pass builds (these texts have < 100 terms: no cut)
    crane = [a for a, t in zip(articles, truth) if t == "crane"]
    vectors = StoryClusterer().vectorize(crane)
    whole, early, late = StoryState(), StoryState(), StoryState()
    for i, (article, vector) in enumerate(zip(crane, vectors)):
        whole.absorb(vector, article.published)
        (early if i < 2 else late).absorb(vector, article.published)
    combined = _combine(early, late, DEFAULT)
    assert combined.sums.keys() == whole.sums.keys() and combined.recent == whole.recent
    assert all(combined.sums[t] == pytest.approx(w) for t, w in whole.sums.items())
    assert (combined.size, combined.first, combined.last) == (4, whole.first, whole.last)


def test_partition_counts_are_checked():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(OptionError, match="partitions"):
            plan_partitions(_stream()[0], bad)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client():
    """A small in-process LocalCluster (threads, no processes), shared by this module's Dask tests."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.mark.timeout(120)
def test_dask_engine_equals_one_pass(client):
    articles, truth = _stream()
    labels, results = cluster_dask(articles, partitions=3, client=client, min_size=1)
    assert len(results) == 2 and labels == cluster_articles(articles)
    assert len(_members(labels, truth, "crane")) == 1


def _write_stream(path: Path, extra: str = "") -> Path:
    articles, _ = _stream()
    lines = [
        json.dumps({"id": a.id, "text": a.text, "published": a.published.isoformat() if a.published else None})
        for a in articles
    ]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


@pytest.mark.timeout(120)
def test_cli_dask_engine_writes_what_the_local_engine_writes(client, tmp_path):
    source = _write_stream(tmp_path / "stream.jsonl")
    outputs = {}
    for engine in ("local", "dask"):
        out, stories = tmp_path / f"{engine}.jsonl", tmp_path / f"{engine}-stories.jsonl"
        args = ["cluster", str(source), "-o", str(out), "--stories", str(stories), "--batch", str(tmp_path / engine)]
        if engine == "dask":
            args += ["--engine", "dask", "--scheduler", client.scheduler.address, "--partitions", "3"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outputs[engine] = (out.read_text(), stories.read_text(), (tmp_path / engine).read_text())
    assert outputs["dask"] == outputs["local"]


@pytest.mark.timeout(120)
def test_bad_input_is_reported_by_the_dask_engine_as_by_the_local_one(client, tmp_path):
    broken = _write_stream(tmp_path / "broken.jsonl", extra='{"id": "cut", "text": "half a rec\n')
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "e", "text": "   "}\n', encoding="utf-8")
    for source in (broken, empty, tmp_path / "missing.jsonl"):
        said = {}
        for engine in ("local", "dask"):
            extra = ["--engine", "dask", "--scheduler", client.scheduler.address] if engine == "dask" else []
            result = runner.invoke(app, ["cluster", str(source), "-o", str(tmp_path / f"{engine}.out"), *extra])
            assert "Traceback" not in result.output
            lines = [line for line in result.output.splitlines() if not line.startswith("dask: ")]
            said[engine] = (result.exit_code, "\n".join(lines).replace(f"{engine}.out", "OUT"))
        assert said["dask"] == said["local"], source
    assert said["local"][0] != 0


def test_bad_engine_options_are_refused(tmp_path):
    source = _write_stream(tmp_path / "stream.jsonl")
    for args, message in (
        (["--engine", "spark"], "unknown engine"),
        (["--partitions", "2"], "need --engine dask"),
        (["--engine", "dask", "--partitions", "0"], "at least 1"),
    ):
        result = runner.invoke(app, ["cluster", str(source), "-o", str(tmp_path / "o.jsonl"), *args])
        assert result.exit_code != 0 and message in result.output, result.output


def test_missing_dask_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    monkeypatch.setitem(sys.modules, "dask", None)
    source = _write_stream(tmp_path / "stream.jsonl")
    result = runner.invoke(app, ["cluster", str(source), "-o", str(tmp_path / "o.jsonl"), "--engine", "dask"])
    assert result.exit_code == 1 and DASK_INSTALL in " ".join(result.output.split())


def test_lone_reports_are_paired_over_the_whole_stream_as_one_process_pairs_them():
    """The second pass runs after the merge, on the whole stream: a pair of lone reports cut by a
    range boundary is paired as `cluster_articles` pairs it."""
    deal = (
        "Senators struck a bipartisan deal on background checks for gun buyers on Wednesday, a compromise "
        "that supporters said could finally move firearms legislation through the chamber."
    )
    right = (  # cosine 0.14 with the deal's story: under the join threshold, over the lone reports'
        "Conservatives vowed to resist the gun compromise, warning that the pact would grow federal power "
        "over private sales between neighbours."
    )
    articles = []
    for day in range(0, 12, 3):
        articles += [
            Article(deal, outlet="Wire", published=T0 + timedelta(days=day, hours=20)),
            Article(right, outlet="Daily", published=T0 + timedelta(days=day + 1, hours=2)),
        ]
    one = cluster_articles(articles)
    assert one == [0, 0, 1, 1, 2, 2, 3, 3]
    assert cluster_articles(articles, settings=replace(DEFAULT, lone_threshold=0.0)) == list(range(8))
    labels, results = cluster_partitioned(articles, 4, min_size=1)
    assert len(results) > 1 and labels == one
