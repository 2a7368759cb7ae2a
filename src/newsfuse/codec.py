"""The one codec between results and plain JSON dicts, for the CLI, batch lines, the store and the service.

Version 1 of a summary dict:

    {"version": 1, "id", "summary" (sentences joined by "\\n"), "sentences": [{"text", "origins",
     "sources": [{"document", "outlet", "start", "end"}]}], "words", "budget", "selector",
     "origins" (per article: its independent origin), "wire_copies": [{"documents", "shared_fraction"}],
     "problems": [{"where", "message"}] (only when there are some),
     "comparison": {"facts", "quotes", "disagreements"} (only when compared)}

Facts are `{"text", "sources", "origins", "status"}`, quotes `{"text", "speaker", "role", "sources",
"variants"}` (`role`: the title or office the outlets give the speaker, or null; read as null when a
dict has none), disagreements `{"kind", "topic", "claims": [{"value", "text", "sources"}]}`. Inside a
summary the comparison's wire copies are the summary's `wire_copies` (not written twice); a
comparison on its own (`comparison_to_dict`) carries them as `wire_copies`.

Moved since the unversioned output of newsfuse 0.1 (before this codec): the comparison's keys were
at the top level and its wire copies were `syndication`; problems were "where: message" strings;
`origins` and `wire_copies` were not written (the store kept `origins` beside the summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InputError
from .model import (
    Claim,
    Comparison,
    Disagreement,
    Fact,
    Problem,
    QuoteGroup,
    Source,
    Summary,
    SummarySentence,
    WireCopy,
)

__all__ = [
    "VERSION",
    "summary_to_dict",
    "summary_from_dict",
    "comparison_to_dict",
    "comparison_from_dict",
    "problem_to_dict",
]

VERSION = 1
Json = dict[str, Any]


def summary_to_dict(summary: Summary) -> Json:
    """A Summary as a version-1 JSON dict (see the module docstring)."""
    data: Json = {
        "version": VERSION,
        "id": summary.story_id,
        "summary": summary.text,
        "sentences": [
            {"text": s.text, "origins": s.origins, "sources": [_source(src) for src in s.sources]}
            for s in summary.sentences
        ],
        "words": summary.words,
        "budget": summary.budget,
        "selector": summary.selector,
        "origins": list(summary.origins),
        "wire_copies": [_wire_copy(w) for w in summary.wire_copies],
    }
    if summary.problems:
        data["problems"] = [problem_to_dict(p) for p in summary.problems]
    if summary.comparison is not None:
        data["comparison"] = comparison_to_dict(summary.comparison, with_wire_copies=False)
    return data


def summary_from_dict(data: Mapping[str, Any]) -> Summary:
    """The Summary a version-1 dict describes; `InputError` names what is missing or of another version."""
    if data.get("version") != VERSION:
        raise InputError("summary", f"codec version {data.get('version')!r}, this newsfuse reads {VERSION}")
    try:
        wire_copies = tuple(_wire_copy_from(w) for w in data["wire_copies"])
        comparison = data.get("comparison")
        return Summary(
            sentences=tuple(
                SummarySentence(s["text"], tuple(_source_from(x) for x in s["sources"]), s["origins"])
                for s in data["sentences"]
            ),
            budget=data["budget"],
            story_id=data["id"],
            selector=data["selector"],
            problems=tuple(Problem(p["where"], p["message"]) for p in data.get("problems", [])),
            comparison=None if comparison is None else comparison_from_dict(comparison, wire_copies),
            origins=tuple(data["origins"]),
            wire_copies=wire_copies,
        )
    except (KeyError, TypeError) as err:
        raise InputError("summary", f"not a version-{VERSION} summary ({err!r} missing or malformed)") from err


def comparison_to_dict(comparison: Comparison, with_wire_copies: bool = True) -> Json:
    """A Comparison as a JSON dict; `with_wire_copies=False` inside a summary, which has them."""
    data: Json = {
        "facts": [
            {"text": f.text, "sources": _sources(f.sources), "origins": f.origins, "status": f.status}
            for f in comparison.facts
        ],
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker,
                "role": q.role,
                "sources": _sources(q.sources),
                "variants": list(q.variants),
            }
            for q in comparison.quotes
        ],
        "disagreements": [
            {
                "kind": d.kind,
                "topic": d.topic,
                "claims": [{"value": c.value, "text": c.text, "sources": _sources(c.sources)} for c in d.claims],
            }
            for d in comparison.disagreements
        ],
    }
    if with_wire_copies:
        data["wire_copies"] = [_wire_copy(w) for w in comparison.wire_copies]
    return data


def comparison_from_dict(data: Mapping[str, Any], wire_copies: Sequence[WireCopy] | None = None) -> Comparison:
    """The Comparison of a dict from `comparison_to_dict` (wire copies given when the dict has none)."""
    copies = wire_copies if wire_copies is not None else [_wire_copy_from(w) for w in data.get("wire_copies", [])]
    return Comparison(
        facts=tuple(Fact(f["text"], _sources_from(f["sources"]), f["origins"], f["status"]) for f in data["facts"]),
        quotes=tuple(
            QuoteGroup(q["text"], q["speaker"], _sources_from(q["sources"]), tuple(q["variants"]), q.get("role"))
            for q in data["quotes"]
        ),
        disagreements=tuple(
            Disagreement(
                d["kind"],
                d["topic"],
                tuple(Claim(c["value"], c["text"], _sources_from(c["sources"])) for c in d["claims"]),
            )
            for d in data["disagreements"]
        ),
        wire_copies=tuple(copies),
    )


def problem_to_dict(problem: Problem) -> Json:
    return {"where": problem.where, "message": problem.message}


def _source(src: Source) -> Json:
    return {"document": src.document, "outlet": src.outlet, "start": src.start, "end": src.end}


def _sources(sources: Sequence[Source]) -> list[Json]:
    return [_source(s) for s in sources]


def _source_from(data: Mapping[str, Any]) -> Source:
    return Source(data["document"], data["start"], data["end"], data["outlet"])


def _sources_from(items: Sequence[Mapping[str, Any]]) -> tuple[Source, ...]:
    return tuple(_source_from(x) for x in items)


def _wire_copy(copy: WireCopy) -> Json:
    return {"documents": list(copy.documents), "shared_fraction": copy.shared_fraction}


def _wire_copy_from(data: Mapping[str, Any]) -> WireCopy:
    return WireCopy(tuple(data["documents"]), data["shared_fraction"])
