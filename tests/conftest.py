"""Shared fixtures: paths to ../shared data (CI has it beside the checkout) and the bundled example."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
FULLTEXT_DEV = SHARED / "data" / "fulltext-dev.jsonl"
VALIDATION = SHARED / "data" / "multinews" / "validation.jsonl.gz"
EXAMPLE = ROOT / "examples" / "port-halvard-fire"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (CI has ../shared beside the checkout)")
    return path


@pytest.fixture
def seed_paths() -> list[str]:
    return sorted(str(p) for p in _need(SEEDS).glob("*.txt"))


@pytest.fixture
def example_paths() -> list[str]:
    return sorted(str(p) for p in EXAMPLE.iterdir())


@pytest.fixture
def fulltext_dev() -> Path:
    return _need(FULLTEXT_DEV)


ALLSIDES_EARLY = SHARED / "data" / "events" / "allsides2021.tune-early.jsonl"


@pytest.fixture
def allsides_sample() -> tuple[list, list[str]]:
    """The first 150 real AllSides articles, dated (every tenth undated: on the stream's clock),
    and their gold events."""
    import json
    from datetime import datetime, timezone

    from newsfuse.model import Article

    rows = [json.loads(line) for line in _need(ALLSIDES_EARLY).read_text(encoding="utf-8").splitlines()[:150]]
    articles = [
        Article(
            text=r["text"],
            title=r["title"],
            outlet=r["outlet"],
            id=r["id"],
            published=datetime.fromisoformat(r["published"]).replace(tzinfo=timezone.utc) if i % 10 else None,
        )
        for i, r in enumerate(rows)
    ]
    return articles, [r["event"] for r in rows]
