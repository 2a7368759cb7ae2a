"""Golden regression set: what newsfuse outputs for fulltext-dev, the seeds and the examples, as hashes.

The texts may not be copied into the repository, so each record's output is kept as a SHA-256 of
its canonical JSON (sorted keys, compact). The cases run through the CLI, so the hashes pin what a
user sees, whatever the modules inside do. `python tests/test_golden.py --write` records them anew:
do that only for a change meant to alter outputs, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURE = ROOT / "tests" / "fixtures" / "golden.json"


def canonical_hash(record: object) -> str:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _legacy_view(record: dict) -> dict:
    """Map an output record to the shape the hashes were taken in: the unversioned output before
    the codec (`newsfuse.codec` documents what moved)."""
    record = dict(record)
    if record.pop("version", None) is None:
        return record
    record.pop("origins", None)
    wire_copies = record.pop("wire_copies", [])
    comparison = record.pop("comparison", None)
    if comparison is not None:
        record.update(comparison, syndication=wire_copies)
    if "problems" in record:
        record["problems"] = [f"{p['where']}: {p['message']}" for p in record["problems"]]
    return record


def _invoke(args: list[str]) -> str:
    from newsfuse.cli import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _batch_cases(path: Path, label: str, tmp: Path) -> dict[str, str]:
    out = tmp / f"{path.stem}.out.jsonl"
    _invoke(["batch", str(path), "-o", str(out), "--compare", "--workers", "1"])
    cases = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        # problems name the input file as it was given on the command line: keep only its name
        record = _legacy_view(record)
        record["problems"] = [p.replace(str(path), path.name) for p in record.get("problems", [])]
        cases[f"{label}:{record['id']}"] = canonical_hash(record)
    return cases


def _summarize_cases(paths: list[str], label: str) -> dict[str, str]:
    cases = {f"{label}.json": canonical_hash(_legacy_view(json.loads(_invoke(["summarize", *paths, "-f", "json"]))))}
    for fmt in ("text", "markdown", "html"):
        rendered = _invoke(["summarize", *paths, "-f", fmt])
        cases[f"{label}.{fmt}"] = hashlib.sha256(rendered.encode("utf-8")).hexdigest()
    return cases


def golden_cases(tmp: Path) -> dict[str, str]:
    """Every golden case's hash, computed by the code as it is now."""
    seeds = sorted(str(p) for p in (SHARED / "seeds").glob("*.txt"))
    example = ROOT / "examples" / "port-halvard-fire"
    cases = _batch_cases(SHARED / "data" / "fulltext-dev.jsonl", "fulltext-dev", tmp)
    cases |= _summarize_cases(seeds, "seeds")
    cases |= _summarize_cases([str(example)], "example-dir")
    cases |= _batch_cases(ROOT / "examples" / "stories.jsonl", "example-stories", tmp)
    cases |= _batch_cases(ROOT / "examples" / "port-halvard-fire.jsonl", "example-jsonl", tmp)
    return cases


@pytest.mark.timeout(600)
def test_outputs_match_the_golden_hashes(tmp_path: Path) -> None:
    if not (SHARED / "data" / "fulltext-dev.jsonl").exists():
        pytest.skip("../shared is not here (CI has it beside the checkout)")
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
    got = golden_cases(tmp_path)
    assert got.keys() == expected.keys()
    changed = sorted(name for name in expected if got[name] != expected[name])
    assert not changed, f"{len(changed)} of {len(expected)} golden outputs changed: {changed[:10]}"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cases = golden_cases(Path(tmp))
    FIXTURE.write_text(json.dumps({"version": 1, "cases": cases}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} golden hashes to {FIXTURE}")
