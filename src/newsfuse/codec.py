"""The one codec between results and plain JSON dicts, for the CLI, batch lines, the store and the service.

Version 1 of a summary dict:

    {"version": 1, "id", "summary" (sentences joined by "\\n"), "sentences": [{"text", "origins",
     "sources": [source], "partial": [source], "retold": [source]}], "words", "budget", "selector",
     "origins" (per article: its independent origin), "wire_copies": [wire copy],
     "problems": [{"where", "message"}] (only when there are some),
     "comparison": {"facts", "quotes", "disagreements", "outlets"} (only when compared)}

A sentence's `retold` (added within version 1; read as [] when absent) are the other articles whose
ledes tell a lede's news in their own words without stating it in full, not counted in its `origins`.
A source is `{"document", "outlet", "start", "end"}`; a wire copy `{"original", "copies", "shared",
"agency"}`. Quotes are `{"text", "speaker", "role", "sources", "variants"}` (`role`: the title or office the
outlets give the speaker, or null). The comparison's parts are documented in docs/comparison.md
(the contract). Inside a
summary the comparison's wire copies are the summary's `wire_copies` (not written twice); a
comparison on its own (`comparison_to_dict`) carries them as `wire_copies`.

Moved since the unversioned output of newsfuse 0.1 (before this codec): the comparison's keys were
at the top level and its wire copies were `syndication` (`{"documents", "shared_fraction"}`);
problems were "where: message" strings; `origins`, `wire_copies`, `partial` and `outlets` were not
written (the store kept `origins` beside the summary); fact statuses were corroborated/single-source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .errors import InputError
from .model import (
    Claim,
    Comparison,
    Disagreement,
    Fact,
    Outlet,
    Problem,
    QuoteGroup,
    Reported,
    Source,
    Summary,
    SummarySentence,
    Timeline,
    TimelineFact,
    Update,
    UpdateSentence,
    ValueChange,
    WireCopy,
)

__all__ = [
    "VERSION",
    "summary_to_dict",
    "summary_from_dict",
    "comparison_to_dict",
    "comparison_from_dict",
    "problem_to_dict",
    "UPDATE_VERSION",
    "update_to_dict",
    "update_from_dict",
    "TIMELINE_VERSION",
    "timeline_to_dict",
    "timeline_from_dict",
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
            {
                "text": s.text,
                "origins": s.origins,
                "sources": _sources(s.sources),
                "partial": _sources(s.partial),
                "retold": _sources(s.retold),
            }
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
                SummarySentence(
                    s["text"],
                    _sources_from(s["sources"]),
                    s["origins"],
                    _sources_from(s["partial"]),
                    _sources_from(s.get("retold", [])),
                )
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
            {
                "text": f.text,
                "status": f.status,
                "origins": f.origins,
                "sources": _sources(f.sources),
                "partial": _sources(f.partial),
            }
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
    data["outlets"] = [
        {"document": o.document, "outlet": o.name, "how": o.how, "agency": o.agency, "origin": o.origin}
        for o in comparison.outlets
    ]
    if with_wire_copies:
        data["wire_copies"] = [_wire_copy(w) for w in comparison.wire_copies]
    return data


def comparison_from_dict(data: Mapping[str, Any], wire_copies: Sequence[WireCopy] | None = None) -> Comparison:
    """The Comparison of a dict from `comparison_to_dict` (wire copies given when the dict has none)."""
    copies = wire_copies if wire_copies is not None else [_wire_copy_from(w) for w in data.get("wire_copies", [])]
    return Comparison(
        facts=tuple(
            Fact(f["text"], _sources_from(f["sources"]), f["origins"], f["status"], _sources_from(f["partial"]))
            for f in data["facts"]
        ),
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
        outlets=tuple(
            Outlet(o["document"], o["outlet"], o["how"], o["agency"], o["origin"]) for o in data.get("outlets", [])
        ),
    )


# ---- updates (newsfuse.updates): a codec of their own, so the summary's version 1 stays as it is

# Version 1 of an update dict: {"update_version": 1, "id", "since", "earlier" [document], "later"
# [document], "sentences": [{"text", "origins", "sources", "partial", "first_reported",
# "first_outlet"}], "changes": [{"kind", "topic", "before": reported, "after": reported}]}, a
# reported value being {"value", "text", "sources", "first_reported", "first_outlet"}; moments are
# ISO 8601 (null when undated).
UPDATE_VERSION = 1


def update_to_dict(update: Update) -> Json:
    """An Update as a version-1 update dict (see above)."""
    return {
        "update_version": UPDATE_VERSION,
        "id": update.story_id,
        "since": update.since.isoformat(),
        "earlier": list(update.earlier),
        "later": list(update.later),
        "sentences": [
            {
                "text": s.text,
                "origins": s.origins,
                "sources": _sources(s.sources),
                "partial": _sources(s.partial),
                "first_reported": _moment(s.first_reported),
                "first_outlet": s.first_outlet,
            }
            for s in update.sentences
        ],
        "changes": [
            {"kind": c.kind, "topic": c.topic, "before": _reported(c.before), "after": _reported(c.after)}
            for c in update.changes
        ],
    }


def update_from_dict(data: Mapping[str, Any]) -> Update:
    """The Update of a version-1 update dict; `InputError` names what is missing or of another version."""
    if data.get("update_version") != UPDATE_VERSION:
        raise InputError("update", f"update version {data.get('update_version')!r}, this newsfuse reads 1")
    try:
        return Update(
            story_id=data["id"],
            since=datetime.fromisoformat(data["since"]),
            earlier=tuple(data["earlier"]),
            later=tuple(data["later"]),
            sentences=tuple(
                UpdateSentence(
                    s["text"],
                    _sources_from(s["sources"]),
                    s["origins"],
                    _moment_from(s["first_reported"]),
                    s["first_outlet"],
                    _sources_from(s["partial"]),
                )
                for s in data["sentences"]
            ),
            changes=tuple(
                ValueChange(c["kind"], c["topic"], _reported_from(c["before"]), _reported_from(c["after"]))
                for c in data["changes"]
            ),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise InputError("update", f"not a version-1 update ({err!r} missing or malformed)") from err


# ---- timelines (newsfuse.updates.story_timeline): beside a summary, not inside its version 1 ------

# Version 1 of a timeline dict: {"timeline_version": 1, "id", "facts": [{"text", "status",
# "origins", "reports", "first": source, "first_reported" (ISO 8601, null when undated),
# "first_outlet"}]}, earliest first report first.
TIMELINE_VERSION = 1


def timeline_to_dict(timeline: Timeline) -> Json:
    """A Timeline as a version-1 timeline dict (see above)."""
    return {
        "timeline_version": TIMELINE_VERSION,
        "id": timeline.story_id,
        "facts": [
            {
                "text": f.text,
                "status": f.status,
                "origins": f.origins,
                "reports": f.reports,
                "first": _source(f.first),
                "first_reported": _moment(f.first_reported),
                "first_outlet": f.first_outlet,
            }
            for f in timeline.facts
        ],
    }


def timeline_from_dict(data: Mapping[str, Any]) -> Timeline:
    """The Timeline of a version-1 timeline dict; `InputError` names what is missing or of another version."""
    if data.get("timeline_version") != TIMELINE_VERSION:
        raise InputError("timeline", f"timeline version {data.get('timeline_version')!r}, this newsfuse reads 1")
    try:
        facts = tuple(
            TimelineFact(
                f["text"],
                f["status"],
                f["origins"],
                f["reports"],
                _source_from(f["first"]),
                _moment_from(f["first_reported"]),
                f["first_outlet"],
            )
            for f in data["facts"]
        )
        return Timeline(data["id"], facts)
    except (KeyError, TypeError, ValueError) as err:
        raise InputError("timeline", f"not a version-1 timeline ({err!r} missing or malformed)") from err


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment_from(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _reported(r: Reported) -> Json:
    return {
        "value": r.value,
        "text": r.text,
        "sources": _sources(r.sources),
        "first_reported": _moment(r.first_reported),
        "first_outlet": r.first_outlet,
    }


def _reported_from(d: Mapping[str, Any]) -> Reported:
    return Reported(
        d["value"], d["text"], _sources_from(d["sources"]), _moment_from(d["first_reported"]), d["first_outlet"]
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
    return {"original": copy.original, "copies": list(copy.copies), "shared": copy.shared, "agency": copy.agency}


def _wire_copy_from(data: Mapping[str, Any]) -> WireCopy:
    return WireCopy(data["original"], tuple(data["copies"]), data["shared"], data["agency"])


# Characters that JSON leaves unescaped but Unicode-aware line splitters (Python's splitlines,
# many JSONL readers) take as line ends: escaped so that one record stays one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(value: Any) -> str:
    """One value as a JSONL line: UTF-8 text kept as written but for the Unicode line ends, which are
    \\u-escaped (JSON reads them back the same); a string holding a lone surrogate makes the whole
    line \\u-escaped, as UTF-8 cannot write it."""
    line = json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value) + "\n"
    return line
