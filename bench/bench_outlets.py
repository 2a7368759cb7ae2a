"""What `infer_outlet` finds on the real material in ../shared: the seeds, the saved pages and the feeds.

    cd /work/wt-outlets && PYTHONPATH=src python bench/bench_outlets.py

Pages are read as ingest reads them (trafilatura's `bare_extraction` with metadata: site name
and URL); a feed's title is its entries' site name. Prints one row per file (feeds: the count of
entries per outlet, how and agency), for the notes; it asserts nothing.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from newsfuse.outlets import infer_outlet

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _row(label: str, guess, extra: str = "") -> None:
    print(f"{label:42} {guess.name or '-':26} {guess.how or '-':9} {guess.agency or '-':17} {extra}")


def seeds() -> None:
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _row(path.name, infer_outlet(text, filename=str(path)))


def pages() -> None:
    import trafilatura

    for path in sorted((SHARED / "data" / "real" / "pages").glob("*.html")):
        html = path.read_text(encoding="utf-8", errors="replace")
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
        guess = infer_outlet(doc.text or "", site_name=doc.sitename, url=doc.url, filename=str(path))
        _row(path.name, guess, f"(sitename {doc.sitename!r})")


def feeds() -> None:
    import feedparser

    from newsfuse.ingest import _entry_text

    for path in sorted((SHARED / "data" / "real" / "feeds").iterdir()):
        feed = feedparser.parse(path.read_text(encoding="utf-8", errors="replace"))
        title = feed.feed.get("title")
        found = Counter()
        for entry in feed.entries:
            guess = infer_outlet(_entry_text(entry), site_name=title, url=entry.get("link"))
            found[(guess.name, guess.how, guess.agency)] += 1
        for (name, how, agency), n in found.most_common():
            print(
                f"{path.name:42} {name or '-':26} {how or '-':9} {agency or '-':17} {n} of {len(feed.entries)} entries"
            )


def main() -> int:
    if not SHARED.is_dir():
        print(f"no {SHARED}", file=sys.stderr)
        return 1
    print(f"{'file':42} {'outlet':26} {'how':9} {'agency':17}")
    seeds()
    pages()
    feeds()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
