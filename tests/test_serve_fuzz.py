"""Property-based fuzzing of the API (hypothesis): random JSON bodies and headers to
POST /api/articles and POST /api/summarize never get a 5xx, and no article is stored without the
answer reporting it (the store grows by exactly the answer's new articles, or not at all)."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsfuse.serve import create_app  # noqa: E402

HOST = "127.0.0.1:8000"
# A few seconds by default; NEWSFUSE_FUZZ_EXAMPLES=2000 for a longer, random search.
EXAMPLES = int(os.environ.get("NEWSFUSE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="NEWSFUSE_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

SENTENCES = [
    "A crane fell at the harbour on Monday, officials said.",
    "Two workers were hurt when it fell onto a ship.",
    '"We are investigating," the port authority said.',
    "The harbour reopened on Tuesday.",
    "Wind gusts reached 90 km/h.",
]
HOSTILE_TEXT = ["", " ", "\x00", "\ud800", "\udfff", "[/]", "<script>alert(1)</script>", "\x1b]52;c;aGk=\x07", "#" * 50]

lone_text = st.text(st.characters(exclude_categories=[]), max_size=40)  # surrogates included
clean_text = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=5).map(" ".join)
article_text = st.one_of(
    clean_text,
    st.lists(
        st.one_of(st.sampled_from(SENTENCES), st.sampled_from(HOSTILE_TEXT), lone_text), min_size=0, max_size=6
    ).map(" ".join),
)
dates = st.one_of(
    st.none(),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-31T23:59:59-05:00", "2024-02-30", "2024-06-01T12:00:00Z"]),
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(min_value=-(10**20), max_value=10**20),
    lone_text,
)
urls = st.one_of(
    st.none(),
    st.sampled_from(["http://[::1", "http://a.example:99999999/", "javascript:alert(1)", "https://news.example/a"]),
    lone_text,
)
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), lone_text
)
any_json = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(lone_text, inner, max_size=4), max_leaves=12
)
field = st.one_of(st.none(), lone_text, st.sampled_from(HOSTILE_TEXT), any_json)
article = st.fixed_dictionaries(
    {"text": st.one_of(article_text, article_text, any_json)},
    optional={"outlet": field, "url": urls, "title": field, "published": dates, "id": field, "extra": any_json},
)
json_body = st.one_of(article, st.lists(article, max_size=4), any_json).map(lambda value: json.dumps(value).encode())
raw_body = st.sampled_from(
    [
        b"",
        b"{",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"text": ' + b"9" * 5000 + b"}",
        b'{"documents": [' + b"9" * 5000 + b"]}",
        b'{"text": "caf\xe9 noir."}',
        '{"text": "Grüße aus der Stadt."}'.encode("utf-16"),
        b"\xff\xfe\x00",
    ]
)
content_types = st.sampled_from(
    [None, "application/json", "application/json; charset=latin-1", "text/plain", "multipart/form-data", ""]
)
origins = st.sampled_from([None, "http://127.0.0.1:8000", "https://evil.example", "null", "http://localhost:8000"])
fetch_sites = st.sampled_from([None, "same-origin", "cross-site", "same-site", "none"])
hosts = st.sampled_from([HOST, "localhost:8000", "evil.example", "[::1]:8000", ""])
# Most requests are well addressed (curl, or this server's own page), so the bodies reach the
# handlers; the rest mix hostile hosts, origins and content types.
curl = st.just({"Host": HOST, "Content-Type": "application/json"})
own_page = st.just(
    {"Host": HOST, "Content-Type": "application/json", "Origin": f"http://{HOST}", "Sec-Fetch-Site": "same-origin"}
)
mixed = st.builds(
    lambda content_type, origin, fetch_site, host: {
        name: value
        for name, value in (
            ("Host", host),
            ("Content-Type", content_type),
            ("Origin", origin),
            ("Sec-Fetch-Site", fetch_site),
        )
        if value is not None
    },
    content_types,
    origins,
    fetch_sites,
    hosts,
)
headers = st.one_of(curl, own_page, mixed)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("fuzz") / "store.db")
    with TestClient(app, base_url=f"http://{HOST}", raise_server_exceptions=False) as c:
        yield c


def stored(c: TestClient) -> int:
    response = c.get("/api/stories")
    assert response.status_code == 200
    return sum(s["articles"] for s in response.json())


@FUZZ
@given(body=st.one_of(json_body, json_body, raw_body), headers=headers)
def test_post_articles_never_5xx_and_never_stores_unreported(client, body, headers):
    before = stored(client)
    response = client.post("/api/articles", content=body, headers=headers)
    event(f"status {response.status_code}")  # pytest --hypothesis-show-statistics shows the spread
    assert response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    added = stored(client) - before
    if response.status_code == 201:
        answer = response.json()
        assert added == sum(1 for s in answer["stored"] if s["new"]), answer
    else:
        assert added == 0, (response.status_code, response.text[:300])
        assert response.json()["detail"]


@FUZZ
@given(
    documents=st.one_of(
        st.lists(st.one_of(clean_text, article), min_size=1, max_size=4),
        st.lists(st.one_of(article_text, article), max_size=4),
        any_json,
    ),
    words=st.one_of(st.none(), st.none(), st.integers(min_value=-5, max_value=10**6), lone_text),
    extra=st.one_of(
        st.just({}),
        st.just({}),
        st.fixed_dictionaries({}, optional={"selector": st.sampled_from(["lead", "nosuch"]), "compare": st.booleans()}),
        st.dictionaries(st.sampled_from(["selector", "compare", "other"]), any_json, max_size=2),
    ),
    raw=st.one_of(st.none(), st.none(), raw_body),
    headers=headers,
)
def test_summarize_never_5xx(client, documents, words, extra, raw, headers):
    before = stored(client)
    body = raw if raw is not None else json.dumps({"documents": documents, "words": words, **extra}).encode()
    response = client.post("/api/summarize", content=body, headers=headers)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 200:
        assert "sentences" in response.json()
    else:
        assert response.json()["detail"]
    assert stored(client) == before  # summarize stores nothing
