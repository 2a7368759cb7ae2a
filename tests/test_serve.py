"""The web service: API validation, body limits, the token, escaping, and durability across restarts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
from fastapi.testclient import TestClient  # noqa: E402

from newsfuse.serve import MAX_BODY, create_app, safe_url  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "port-halvard-fire"
EVIL = "<script>alert('x')</script>"
EVIL_IMG = '<img src=x onerror="alert(1)">'


def example_docs() -> list[dict]:
    return [{"text": p.read_text(encoding="utf-8"), "outlet": p.stem} for p in sorted(EXAMPLE.glob("*.txt"))]


def local(app, **kwargs) -> TestClient:
    """A TestClient that asks for 127.0.0.1:8000, as a local browser or curl does (not "testserver")."""
    return TestClient(app, base_url="http://127.0.0.1:8000", **kwargs)


@pytest.fixture
def client(tmp_path):
    with local(create_app(tmp_path / "store.db")) as c:
        yield c


# ---- summarize ---------------------------------------------------------------------------------


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok", "stories": 0}


def test_summarize_attributes_and_compares_and_stores_nothing(client):
    docs = example_docs()
    response = client.post("/api/summarize", json={"documents": docs, "words": 80})
    assert response.status_code == 200, response.text
    data = response.json()
    assert {"summary", "sentences", "wire_copies", "comparison"} <= set(data) and data["version"] == 1
    assert {"facts", "quotes", "disagreements"} <= set(data["comparison"])
    assert data["sentences"] and data["words"] <= 80 + 40
    for sentence in data["sentences"]:
        for src in sentence["sources"]:
            text = docs[src["document"]]["text"]
            assert 0 <= src["start"] < src["end"] <= len(text)
        first = sentence["sources"][0]
        assert docs[first["document"]]["text"][first["start"] : first["end"]] == sentence["text"]
    assert any(f["status"] == "corroborated" for f in data["comparison"]["facts"])
    assert client.get("/api/stories").json() == []


def test_summarize_takes_the_selector_and_comparison_from_the_request(client):
    docs = example_docs()
    assert "lead" in client.get("/api/selectors").json()
    response = client.post("/api/summarize", json={"documents": docs, "selector": "lead", "compare": False})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["selector"] == "lead" and data["comparison"] is None
    refused = client.post("/api/summarize", json={"documents": docs, "selector": "nosuch"})
    assert refused.status_code == 422 and "choose one of" in refused.text


def test_summarize_accepts_plain_strings(client):
    texts = [d["text"] for d in example_docs()]
    assert client.post("/api/summarize", json={"documents": texts}).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "documents"),
        ({"documents": []}, "documents"),
        ({"documents": [{"outlet": "x"}]}, "documents.0.text"),
        ({"documents": [{"text": ""}]}, "documents.0"),
        ({"documents": ["a b c"], "words": 3}, "words"),
        ({"documents": ["a b c"], "words": "many"}, "words"),
        ({"documents": [{"text": "x", "published": "not a date"}]}, "documents.0.published"),
    ],
)
def test_summarize_validation_names_the_field(client, body, field):
    response = client.post("/api/summarize", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(field), detail
    assert "str:" not in detail and "DocumentIn" not in detail  # no pydantic union internals


def test_summarize_bad_json_is_400(client):
    response = client.post("/api/summarize", content=b'{"documents": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_summarize_no_usable_sentence_is_422(client):
    response = client.post("/api/summarize", json={"documents": ["   \n  ", "###"]})
    assert response.status_code == 422
    assert "detail" in response.json()


# ---- size limits -------------------------------------------------------------------------------


def test_upload_page_states_the_limit_the_service_enforces(tmp_path):
    with local(create_app(tmp_path / "s.db", max_body=3 * 1048576)) as c:
        assert "Up to 3 MB in all" in c.get("/add").text


def test_declared_oversize_body_is_413(tmp_path):
    with local(create_app(tmp_path / "s.db", max_body=2000)) as c:
        response = c.post("/api/summarize", json={"documents": ["word " * 1000]})
        assert response.status_code == 413
        assert "2000 bytes" in response.json()["detail"]


def test_streamed_oversize_body_is_413(tmp_path):
    def chunks():
        yield b'{"documents": ["'
        for _ in range(100):
            yield b"word " * 100
        yield b'"]}'

    with local(create_app(tmp_path / "s.db", max_body=5000)) as c:
        response = c.post("/api/articles", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_oversize_upload_is_413(tmp_path):
    with local(create_app(tmp_path / "s.db", max_body=10_000)) as c:
        response = c.post("/api/articles", files={"files": ("big.txt", b"word " * 5000, "text/plain")})
        assert response.status_code == 413


def test_default_limit_is_a_few_megabytes():
    assert 1 << 20 <= MAX_BODY <= 16 << 20


# ---- storing articles --------------------------------------------------------------------------


def test_post_articles_json_then_read_story(client):
    docs = example_docs()
    one = client.post("/api/articles", json=docs[0])
    assert one.status_code == 201
    rest = client.post("/api/articles", json=docs[1:]).json()["stored"]
    stored = one.json()["stored"] + rest
    assert len(stored) == len(docs) and all(s["new"] for s in stored)
    again = client.post("/api/articles", json=docs[0]).json()["stored"][0]
    assert again["new"] is False and again["article_id"] == stored[0]["article_id"]

    stories = client.get("/api/stories").json()
    story_id = stored[0]["story_id"]
    assert any(s["id"] == story_id and s["articles"] >= 2 for s in stories)
    assert client.app.state.store.summarizer.wait_idle(120)  # summaries are made in the background
    story = client.get(f"/api/stories/{story_id}").json()
    assert story["articles"] and story["summary"]["sentences"]
    assert story["updating"] is False and story["summarized_articles"] == len(story["articles"])
    assert {"facts", "quotes", "disagreements"} <= set(story["summary"]["comparison"])
    assert client.get("/api/stories/999999").status_code == 404


def test_post_articles_multipart(client):
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in sorted(EXAMPLE.iterdir())]
    files.append(("files", ("notes.pdf", b"%PDF-1.4", "application/pdf")))
    records = "\n".join(
        json.dumps({"text": f"Record {i} headline\n\nThe harbour reopened on day {i} after repairs.", "outlet": "Wire"})
        for i in range(2)
    )
    files.append(("files", ("more.jsonl", records.encode(), "application/x-ndjson")))
    response = client.post("/api/articles", files=files)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["stored"]) == len(list(EXAMPLE.iterdir())) + 2
    assert any("notes.pdf" in p for p in body["problems"])


def test_post_articles_validation(client):
    missing = client.post("/api/articles", json=[{"text": "fine text here."}, {"outlet": "x"}])
    assert missing.status_code == 422 and missing.json()["detail"].startswith("1.text")
    assert client.post("/api/articles", json={"title": "t"}).json()["detail"].startswith("text")
    assert (
        client.post("/api/articles", content=b"{oops", headers={"content-type": "application/json"}).status_code == 400
    )
    assert client.post("/api/articles", content=b"x", headers={"content-type": "text/csv"}).status_code == 415
    assert client.post("/api/articles", json=[]).status_code == 422


def test_token_protects_writes_only(tmp_path):
    with local(create_app(tmp_path / "s.db", token="s3cret")) as c:
        doc = example_docs()[0]
        assert c.post("/api/articles", json=doc).status_code == 401
        wrong = c.post("/api/articles", json=doc, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        assert c.post("/api/articles", json=doc, headers={"Authorization": "Basic s3cret"}).status_code == 401
        ok = c.post("/api/articles", json=doc, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 201
        assert c.get("/api/stories").status_code == 200
        assert c.post("/api/summarize", json={"documents": [doc]}).status_code == 200
        assert 'id="token"' in c.get("/add").text


# ---- pages -------------------------------------------------------------------------------------


def test_pages_escape_article_text(client):
    body = (
        f"Crane falls {EVIL}\n\nA crane fell at the harbour on Monday {EVIL_IMG}, officials said. "
        "Two workers were hurt when it fell onto a ship.\n\nThe harbour closed for the day."
    )
    posted = client.post(
        "/api/articles",
        json=[
            {"text": body, "title": f"T {EVIL}", "outlet": f"O {EVIL_IMG}", "url": "javascript:alert(1)"},
            {"text": body.replace("Monday", "Tuesday"), "outlet": "B", "url": "https://example.org/b"},
        ],
    )
    story_id = posted.json()["stored"][0]["story_id"]
    assert client.app.state.store.summarizer.wait_idle(120)  # the summary's sentences carry the markup too
    for html in (client.get(f"/stories/{story_id}").text, client.get("/").text):
        assert "<script>alert" not in html and "<img src=x" not in html and 'onerror="alert' not in html
        assert "&lt;script&gt;" in html
    page = client.get(f"/stories/{story_id}")
    assert 'href="javascript:' not in page.text and 'href="https://example.org/b"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "\\u003cscript\\u003e" in page.text  # the JSON data block escapes markup too


def test_story_page_404_and_static(client):
    assert client.get("/stories/12345").status_code == 404
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/static/..%2fserve.py").status_code == 404


def test_safe_url():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    assert safe_url("HTTP://a.example") == "HTTP://a.example"
    for bad in ("javascript:alert(1)", " data:text/html,x", "//evil.example", "ftp://x", None, ""):
        assert safe_url(bad) is None


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/summarize", "/api/articles", "/api/stories", "/api/stories/{story_id}", "/healthz"} <= set(
        spec["paths"]
    )
    content = spec["paths"]["/api/articles"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    assert "SummarizeRequest" in spec["components"]["schemas"]
    assert "SummaryOut" in spec["components"]["schemas"]


def test_cli_binds_loopback_by_default():
    from click.testing import CliRunner

    from newsfuse.cli import app

    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0 and "127.0.0.1" in result.output


# ---- a real server process ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, *extra: str) -> subprocess.Popen:
    """`newsfuse serve` in a subprocess (over a store made first: serve never creates one);
    returns once /healthz answers."""
    import httpx

    from newsfuse.store import Store

    Store(db).close()

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfuse.cli", "serve", "--db", str(db), "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not answer /healthz within 60 s")


def stop_server(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_acknowledged_articles_survive_a_killed_server(tmp_path):
    import httpx

    db = tmp_path / "store.db"
    port = free_port()
    proc = start_server(db, port, "--token", "t0k")
    try:
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": "Bearer t0k"}
        response = httpx.post(base + "/api/articles", json=example_docs(), headers=auth, timeout=60)
        assert response.status_code == 201
        stored = response.json()["stored"]
    finally:
        stop_server(proc, signal.SIGKILL)  # no clean shutdown: only what was committed counts
    port = free_port()
    proc = start_server(db, port)
    try:
        base = f"http://127.0.0.1:{port}"
        for story_id in {s["story_id"] for s in stored}:
            # The stale marks were committed with the articles: the restarted summarizer takes them.
            url = f"{base}/api/stories/{story_id}"
            story = wait_for(lambda url=url: httpx.get(url, timeout=60).json(), 120)
            assert story["summary"]["sentences"] and story["summarized_articles"] == len(story["articles"])
        total = sum(s["articles"] for s in httpx.get(base + "/api/stories", timeout=30).json())
        assert total == len(stored)
    finally:
        stop_server(proc)


def wait_for(read, seconds: float) -> dict:
    """The story `read` returns once its summary is no longer updating (polled; fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        story = read()
        if not story["updating"] or time.monotonic() > deadline:
            assert not story["updating"], "the summary was still updating"
            return story
        time.sleep(0.1)


def test_summarize_in_worker_processes(tmp_path):
    with local(create_app(tmp_path / "s.db", workers=1)) as c:
        response = c.post("/api/summarize", json={"documents": example_docs(), "words": 60})
        assert response.status_code == 200 and response.json()["sentences"]


# ---- hosts and origins -------------------------------------------------------------------------

TEXT = "Harbour crane falls\n\nA crane fell at the harbour on Monday, officials said. Two workers were hurt."


def stored_count(c: TestClient) -> int:
    return sum(s["articles"] for s in c.get("/api/stories").json())


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", "[::1"])
def test_foreign_host_is_refused(client, host):
    api = client.get("/api/stories", headers={"Host": host})
    assert api.status_code == 400 and "--allowed-host" in api.json()["detail"]
    html = client.get("/", headers={"Host": host})
    assert html.status_code == 400 and html.headers["content-type"].startswith("text/html")
    write = client.post("/api/articles", json={"text": TEXT}, headers={"Host": host})
    assert write.status_code == 400 and stored_count(client) == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:1234", "LOCALHOST", "[::1]:8000", "[::1]"])
def test_loopback_hosts_are_answered(client, host):
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


def test_allowed_hosts_are_configurable(tmp_path):
    with local(create_app(tmp_path / "s.db", allowed_hosts=["news.lan", "10.0.0.5"])) as c:
        assert c.get("/healthz", headers={"Host": "news.lan:8000"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "10.0.0.5"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 400  # the list replaces
    with local(create_app(tmp_path / "s.db", allowed_hosts=["*"])) as c:
        assert c.get("/healthz", headers={"Host": "anything.example"}).status_code == 200
    with pytest.raises(ValueError):
        create_app(tmp_path / "s.db", allowed_hosts=["bad host:x"])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:9999"},  # another local server is another origin
        {"Origin": "http://localhost:8000"},  # another name for this server is another origin too
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:8000"},
    ],
)
def test_cross_site_writes_store_nothing(client, headers):
    files = {"files": ("a.txt", TEXT.encode(), "text/plain")}
    multipart = client.post("/api/articles", files=files, headers=headers)
    assert multipart.status_code == 403 and "cross-site" in multipart.json()["detail"]
    assert client.post("/api/articles", json={"text": TEXT}, headers=headers).status_code == 403
    assert client.post("/api/summarize", json={"documents": [TEXT]}, headers=headers).status_code == 403
    assert stored_count(client) == 0
    assert client.get("/api/stories", headers=headers).status_code == 200  # reads stay open


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts: no Origin, no Sec-Fetch-Site
        {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},  # this server's own page
        {"Origin": "http://127.0.0.1:8000"},
        {"Sec-Fetch-Site": "none"},
    ],
)
def test_same_origin_and_non_browser_writes_are_stored(client, headers):
    response = client.post("/api/articles", json={"text": TEXT}, headers=headers)
    assert response.status_code == 201, response.text


def test_with_a_token_cross_site_needs_it_and_non_browsers_need_it(tmp_path):
    with local(create_app(tmp_path / "s.db", token="s3cret")) as c:
        evil = {"Origin": "https://evil.example"}
        assert c.post("/api/articles", json={"text": TEXT}, headers=evil).status_code == 403
        assert c.post("/api/articles", json={"text": TEXT}).status_code == 401
        ok = c.post("/api/articles", json={"text": TEXT}, headers={**evil, "Authorization": "Bearer s3cret"})
        assert ok.status_code == 201  # the token is authority enough (a foreign page cannot send it)


def test_a_body_without_content_type_stores_nothing(client):
    response = client.post("/api/articles", content=json.dumps({"text": TEXT}).encode())
    assert response.status_code == 415 and "application/json" in response.json()["detail"]
    assert stored_count(client) == 0


# ---- malformed requests get 4xx ----------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000
BIG_INT = b"9" * 5000
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/articles", DEEP),
        ("/api/articles", b'{"text": "a b c.", "id": ' + BIG_INT + b"}"),
        ("/api/summarize", b'{"documents": ' + DEEP + b"}"),
        ("/api/summarize", b'{"documents": ["a b c."], "words": ' + BIG_INT + b"}"),
    ],
)
def test_deep_json_and_huge_integers_are_400(client, path, body):
    response = client.post(path, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    "published", ["0001-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31", "9999-12-31T23:59:59-05:00"]
)
def test_published_off_the_calendar_is_422(client, published):
    response = client.post("/api/articles", json={"text": TEXT, "published": published})
    assert response.status_code == 422 and response.json()["detail"].startswith("published:")
    docs = [{"text": TEXT, "published": published}, TEXT + " More."]
    assert client.post("/api/summarize", json={"documents": docs}).status_code == 422
    assert stored_count(client) == 0


@pytest.mark.parametrize("url", ["http://[::1", "http://a.example:99999999/x"])
def test_unreadable_url_is_422(client, url):
    response = client.post("/api/articles", json={"text": TEXT, "url": url})
    assert response.status_code == 422 and response.json()["detail"].startswith("url:")


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("a.jsonl", DEEP, "nested too deep"),
        ("a.jsonl", b'{"text": "a b c.", "id": ' + BIG_INT + b"}", "digits"),
        ("a.jsonl", b'{"text": "A crane fell \\ud800 on Monday. Yes."}', "surrogate"),
        ("a.jsonl", json.dumps({"text": TEXT, "url": "http://[::1"}).encode(), "url"),
    ],
)
def test_unusable_uploads_are_reported_and_the_rest_stored(client, name, data, reason):
    files = [("files", (name, data, "application/octet-stream")), ("files", ("good.txt", TEXT.encode(), "text/plain"))]
    response = client.post("/api/articles", files=files)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["stored"]) == 1 and any(reason in p.lower() and name in p for p in body["problems"]), body
    alone = client.post("/api/articles", files=[files[0]])
    assert alone.status_code == 422 and reason in alone.json()["detail"].lower()
    assert stored_count(client) == 1


def test_an_uploaded_date_off_the_calendar_is_kept_undated_and_reported(client):
    # files go through ingest, which keeps such an article without its date and says so
    data = json.dumps({"text": TEXT, "published": "0001-01-01"}).encode()
    response = client.post("/api/articles", files=[("files", ("a.jsonl", data, "application/octet-stream"))])
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["stored"]) == 1 and any("published" in p and "undated" in p for p in body["problems"])


def test_story_ids_beyond_sqlite_are_404(client):
    for path in ("/stories/99999999999999999999", "/stories/-1", "/stories/0", "/stories/abc", "/stories/%C2%B2"):
        page = client.get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
    api = client.get("/api/stories/99999999999999999999")
    assert api.status_code == 404 and api.json()["detail"] == "no story 99999999999999999999"


# ---- error pages and the API docs --------------------------------------------------------------


def test_page_routes_answer_html_errors_and_the_api_json(client):
    missing = client.get("/stories/12345")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "no story 12345" in missing.text and "<h1>No such page</h1>" in missing.text
    assert "script-src 'self'" in missing.headers["content-security-policy"]
    assert client.get("/nosuch").headers["content-type"].startswith("text/html")
    bad_query = client.get("/?added=abc")
    assert bad_query.status_code == 400 and bad_query.headers["content-type"].startswith("text/html")
    assert "added=&#39;abc&#39;" in bad_query.text and "a whole number" in bad_query.text
    assert client.get("/api/nosuch").json() == {"detail": "Not Found"}
    assert client.get("/api/stories/12345").json() == {"detail": "no story 12345"}
    wrong_method = client.delete("/api/stories")
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()


@pytest.mark.parametrize("value", ["abc", "-1", "0", "", "1.5", "²", "9" * 40])
def test_a_bad_page_number_is_a_400_page_saying_so(client, value):
    answer = client.get("/", params={"page": value})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert (
        "pages are numbered 1, 2, 3" in answer.text and "script-src 'self'" in answer.headers["content-security-policy"]
    )
    assert "There is no page" in answer.text and "Back to the stories" in answer.text


def test_a_bad_api_query_value_is_json_naming_it(client):
    answer = client.get("/api/stories/1", params={"since": "soon"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/json"
    assert answer.json()["errors"][0]["field"] == "query.since" and answer.json()["detail"].startswith("query.since:")


def test_page_errors_escape_what_the_url_says(client):
    page = client.get("/stories/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert page.status_code == 404 and "<script>alert" not in page.text


def test_api_docs_need_no_cdn(client):
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "newsfuse"
    for path in ("/", "/stories/1"):
        html = client.get(path).text
        assert "cdn." not in html and '<script src="http' not in html and 'href="/docs"' not in html


# ---- slow clients ------------------------------------------------------------------------------


def asgi_post(app, path: str, chunks: list[tuple[float, bytes]], complete: bool = True) -> tuple[int, dict, bytes]:
    """POST `chunks` (each after its delay in seconds) straight into the ASGI app, as a slow client
    would; with `complete` false the client never sends the body's end."""
    import asyncio

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict] = []

    async def run() -> None:
        pending = list(chunks)

        async def receive() -> dict:
            if not pending:
                await asyncio.sleep(3600)  # the client keeps the connection open
            delay, data = pending.pop(0)
            await asyncio.sleep(delay)
            return {"type": "http.request", "body": data, "more_body": bool(pending) or not complete}

        async def send(message: dict) -> None:
            sent.append(message)

        await asyncio.wait_for(app(scope, receive, send), 10)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_a_body_trickling_past_the_timeout_is_408(tmp_path):
    app = create_app(tmp_path / "s.db", body_timeout=0.5)
    chunks = [(0.0, b'{"text": "'), (0.3, b"word " * 10), (0.3, b"more " * 10), (0.3, b'"}')]
    status, headers, body = asgi_post(app, "/api/articles", chunks)
    assert status == 408 and "0.5 seconds" in json.loads(body)["detail"]
    assert headers["connection"] == "close"
    never = asgi_post(app, "/api/summarize", [(0.0, b'{"documents": ["a b c. ')], complete=False)
    assert never[0] == 408
    prompt = asgi_post(app, "/api/summarize", [(0.0, b'{"documents": '), (0.1, b'["One sentence here. Two."]}')])
    assert prompt[0] == 200


def test_streamed_oversize_summarize_is_413_not_400(tmp_path):
    app = create_app(tmp_path / "s.db", max_body=1000)
    status, _, body = asgi_post(
        app, "/api/summarize", [(0.0, b'{"documents": ["'), (0.0, b"word " * 400), (0.0, b'"]}')]
    )
    assert status == 413 and "1000 bytes" in json.loads(body)["detail"]


def test_half_open_connections_cannot_hold_the_server(tmp_path):
    """2,000 connections that send nothing or half a request line are closed after the header
    timeout while a real client is answered; a trickled body gets 408; --allowed-host works."""
    import resource
    import selectors

    import httpx

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    count = max(100, min(2000, soft - 300))
    port = free_port()
    proc = start_server(
        tmp_path / "s.db", port, "--header-timeout", "1", "--body-timeout", "1", "--allowed-host", "news.lan"
    )
    held: list[socket.socket] = []
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end of the headers
            held.append(s)
        started = time.monotonic()
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        assert time.monotonic() - started < 5
        # Every held connection is closed by the server (recv gives b"") soon after the timeout.
        selector = selectors.DefaultSelector()
        for s in held:
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ)
        open_ones, deadline = len(held), time.monotonic() + 20
        while open_ones and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=1):
                try:
                    data = key.fileobj.recv(4096)
                except (BlockingIOError, ConnectionResetError):
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    open_ones -= 1
        assert open_ones == 0, f"{open_ones} of {len(held)} half-open connections still held"

        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(
                b"POST /api/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n" + b'{"text": "'
            )
            answer = slow.recv(4096)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]

        assert httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "news.lan"}).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "evil.example"}).status_code == 400
    finally:
        for s in held:
            s.close()
        stop_server(proc)


# ---- the news first: story list, search, the add page ---------------------------------------------


TOPICS = {
    "flood": "River Lune bursts its banks after three days of rain; farmers moved cattle to higher fields.",
    "strike": "Bus drivers in Halden walked out over pay; the depot stayed shut and commuters cycled instead.",
    "eclipse": "Astronomers at Tarn observatory photographed the total solar eclipse through thin cloud at noon.",
}


def _post_story(c, topic: str, n: int = 2) -> str:
    docs = [
        {
            "text": f"{topic.title()} report {i}\n\n{TOPICS[topic]} Officials confirmed the account on Monday.",
            "outlet": f"{topic.title()} Outlet {i}",
            "url": f"https://example.org/{topic}/{i}",
        }
        for i in range(n)
    ]
    return c.post("/api/articles", json=docs).json()["stored"][0]["story_id"]


def test_index_lists_news_first_with_summary_outlets_and_the_form_on_its_own_page(client):
    empty = client.get("/")
    assert "No stories yet" in empty.text and 'href="/add"' in empty.text and "<textarea" not in empty.text
    story = _post_story(client, "flood")
    assert client.app.state.store.summarizer.wait_idle(120)  # the one-line summary is made in the background
    index = client.get("/").text
    assert f'href="/stories/{story}"' in index and "Flood report 0" in index
    assert "Flood Outlet 0, Flood Outlet 1" in index and "2 articles" in index
    assert 'class="story-lead"' in index  # the one-line summary
    add = client.get("/add")
    assert add.status_code == 200 and 'id="paste-form"' in add.text and 'id="upload-form"' in add.text
    assert index.index('class="story-list"') < index.index('class="button primary" href="/add"')


def test_index_search_and_pages(client, monkeypatch):
    from newsfuse.serve import app as app_module

    monkeypatch.setattr(app_module, "PAGE_STORIES", 2)
    # two reports each: one-report stories of these short texts (one sentence in common) would be
    # paired by the lone reports' pass, as `cluster` pairs them
    ids = [_post_story(client, topic) for topic in ("flood", "strike", "eclipse")]
    assert len(set(ids)) == 3
    first = client.get("/").text
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    second = client.get("/?page=2").text
    assert (
        "Page 2 of 2" in second and first.count('class="story-card"') == 2 and second.count('class="story-card"') == 1
    )
    assert "Page 2 of 2" in client.get("/?page=99").text  # past the end: the last page
    found = client.get("/?q=eclipse").text
    assert f'href="/stories/{ids[2]}"' in found and f'href="/stories/{ids[0]}"' not in found
    assert "Stories about “eclipse”" in found
    none = client.get("/?q=volcano")
    assert none.status_code == 200 and "No story mentions “volcano”" in none.text
    assert client.get('/?q="%29 OR (*').status_code == 200  # FTS syntax is read as words


def test_story_page_links_originals_and_speaks_to_readers(client):
    story = _post_story(client, "eclipse", 1)
    assert client.app.state.store.summarizer.wait_idle(120)  # the reader notes come with the summary
    page = client.get(f"/stories/{story}").text
    assert 'class="originals"' in page and 'href="https://example.org/eclipse/0"' in page
    assert "Only one report so far" in page
    assert "nothing can be corroborated" not in page and "only one article" not in page
    missing = client.get("/stories/999")
    assert missing.status_code == 404 and "There is no story 999" in missing.text and "{" not in missing.text


def test_reader_notes_never_show_file_names_or_pipeline_terms():
    from newsfuse.model import Article, Problem
    from newsfuse.serve.views import reader_notes

    articles = [Article("x", outlet="Livemint", origin_file="feeds/livemint.xml#1"), Article("y")]
    notes = reader_notes(
        articles,
        [
            Problem("feeds/livemint.xml#1", "no article sentence left after cleaning"),
            Problem("7", "only one article: nothing can be corroborated"),
        ],
    )
    assert notes[0].startswith("1 report has no article text newsfuse could use (Livemint)")
    assert notes[1].startswith("Only one report so far")
    assert not any("feeds/" in n or "cleaning" in n or "corroborated" in n for n in notes)


def test_favicon(client):
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = client.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon"' in client.get("/").text


def test_a_quote_gets_one_chip_per_outlet():
    from newsfuse.model import Article, QuoteGroup, Source
    from newsfuse.serve.views import _quotes_view

    articles = [
        Article("“We will rebuild the pier,” the mayor said. She said: “We will rebuild the pier.”"),
        Article("x"),
    ]
    twice = (Source(0, 0, 10), Source(0, 50, 60), Source(1, 0, 1))
    [speaker] = _quotes_view(articles, [QuoteGroup("We will rebuild the pier", "Elena Varga", twice)])
    assert [s["doc"] for s in speaker["quotes"][0]["sources"]] == [0, 1]


# ---- summaries in the background, and /api/summarize's limits ----------------------------------


@pytest.mark.timeout(240)
def test_reads_answer_while_a_summary_is_in_progress(tmp_path, monkeypatch):
    """A POST into a story returns once committed; while its new summary is held in progress, the
    story's API and page answer with the last summary marked updating, and /healthz, / and the
    list answer too; released, the summary covers every article."""
    from test_store import Held, one_story

    held = Held(monkeypatch)
    first, *burst = [{"text": a.text, "outlet": f"Outlet {i}"} for i, a in enumerate(one_story(3))]
    with local(create_app(tmp_path / "s.db")) as c:
        story = c.post("/api/articles", json=first).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120) and held.sizes == [1]
        held.hold()
        assert c.post("/api/articles", json=burst).status_code == 201  # committed, not summarized
        assert held.entered.wait(60)  # the summarizer is inside the summary of 3 articles
        body = c.get(f"/api/stories/{story}").json()
        assert body["updating"] is True and body["summarized_articles"] == 1 and len(body["articles"]) == 3
        assert body["summary"]["sentences"]
        status = {"id": story, "articles": 3, "summarized_articles": 1, "updating": True}
        assert c.get(f"/api/stories/{story}/summary-status").json() == status
        page = c.get(f"/stories/{story}")
        assert page.status_code == 200 and "Updating: this summary covers the first 1 report" in page.text
        assert c.get("/healthz").json()["stories"] == 1
        assert c.get("/").status_code == 200 and c.get("/api/stories").json()[0]["articles"] == 3
        held.release.set()
        assert c.app.state.store.summarizer.wait_idle(120) and held.sizes == [1, 3]
        body = c.get(f"/api/stories/{story}").json()
        assert body["updating"] is False and body["summarized_articles"] == 3
        assert c.get(f"/api/stories/{story}/summary-status").json()["updating"] is False
        assert "Updating" not in c.get(f"/stories/{story}").text
        assert c.get("/api/stories/999/summary-status").status_code == 404


@pytest.mark.timeout(240)
def test_story_with_no_summary_yet_reads_as_updating_until_the_summarizer_makes_it(tmp_path, monkeypatch):
    """A read never summarizes, not even a small story: it says the summary is being prepared."""
    from newsfuse.model import Article
    from newsfuse.store import Store
    from test_store import Held

    db = tmp_path / "s.db"
    with Store(db) as s:
        story = s.ingest([Article(d["text"], outlet=d["outlet"]) for d in example_docs()], summarize=False)[0].story
    held = Held(monkeypatch)
    held.hold()
    with local(create_app(db)) as c:
        assert held.entered.wait(60)  # the summarizer took the stored mark at start, and is held
        body = c.get(f"/api/stories/{story}").json()
        assert body["summary"] is None and body["updating"] is True and body["articles"]
        assert "The summary is being prepared" in c.get(f"/stories/{story}").text
        held.release.set()
        assert c.app.state.store.summarizer.wait_idle(120) and held.sizes == [len(body["articles"])]
        body = c.get(f"/api/stories/{story}").json()
        assert body["summary"]["sentences"] and body["updating"] is False


def test_summarize_over_the_word_limit_is_refused_naming_it(client):
    from newsfuse.serve.app import MAX_SUMMARIZE_WORDS

    text = "word " * (MAX_SUMMARIZE_WORDS // 2 + 1)
    response = client.post("/api/summarize", json={"documents": [text, text]})
    assert response.status_code == 413
    assert f"the limit is {MAX_SUMMARIZE_WORDS:,} words a request" in response.json()["detail"]


@pytest.mark.timeout(120)
def test_the_servers_token_holder_may_summarize_more_words(tmp_path):
    """Over the tokenless limit and within the token's: refused without the token or with a wrong
    one (413 naming the tokenless limit), summarized with it; over the token's limit, refused."""
    from newsfuse.serve.app import MAX_SUMMARIZE_WORDS, MAX_SUMMARIZE_WORDS_TOKEN

    assert MAX_SUMMARIZE_WORDS < MAX_SUMMARIZE_WORDS_TOKEN
    half = ("Officials said the storm had passed. " * (MAX_SUMMARIZE_WORDS // 12 + 1)).strip()
    within = {"documents": [half, half.replace("storm", "flood")], "compare": False}
    over = {"documents": [half] * (MAX_SUMMARIZE_WORDS_TOKEN // len(half.split()) + 1)}
    with local(create_app(tmp_path / "s.db", token="s3cret")) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = c.post("/api/summarize", json=within, headers=headers)
            assert response.status_code == 413
            assert f"the limit is {MAX_SUMMARIZE_WORDS:,} words" in response.json()["detail"]
        auth = {"Authorization": "Bearer s3cret"}
        response = c.post("/api/summarize", json=within, headers=auth)
        assert response.status_code == 200 and response.json()["sentences"]
        response = c.post("/api/summarize", json=over, headers=auth)
        assert response.status_code == 413
        assert f"the limit is {MAX_SUMMARIZE_WORDS_TOKEN:,} words" in response.json()["detail"]


@pytest.mark.timeout(240)
def test_summarize_queue_is_bounded_and_reads_answer_meanwhile(tmp_path, monkeypatch):
    """Requests holding /api/summarize's worker and filling its queue: the next one gets 503 with
    Retry-After at once, and reads answer while they wait; released, every queued one succeeds."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from newsfuse.serve import app as app_module

    real, release = app_module.summarize_documents, threading.Event()

    def held(documents, options):
        assert release.wait(120)
        return real(documents, options)

    monkeypatch.setattr(app_module, "summarize_documents", held)
    body = {"documents": example_docs(), "words": 60}
    with local(create_app(tmp_path / "s.db")) as c, ThreadPoolExecutor(app_module.SUMMARIZE_QUEUE) as pool:
        queued = [pool.submit(c.post, "/api/summarize", json=body) for _ in range(app_module.SUMMARIZE_QUEUE)]
        deadline = time.monotonic() + 60
        while c.app.state.summarizing < app_module.SUMMARIZE_QUEUE and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = c.post("/api/summarize", json=body)
        assert refused.status_code == 503 and refused.headers["retry-after"] == str(app_module.RETRY_AFTER_S)
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200
        assert c.get("/api/stories").json() == []
        release.set()
        assert all(f.result(timeout=120).status_code == 200 for f in queued)
    assert c.app.state.summarizing == 0


def test_summarizer_in_the_store_thread(tmp_path):
    """The other placement measured (`summarizer="store"`): ingests are summarized there too."""
    with local(create_app(tmp_path / "s.db", summarizer="store")) as c:
        story = c.post("/api/articles", json=example_docs()).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120)
        body = c.get(f"/api/stories/{story}").json()
        assert body["updating"] is False and body["summary"]["sentences"]
    with pytest.raises(ValueError, match="summarizer must be one of"):
        create_app(tmp_path / "t.db", summarizer="elsewhere")


@pytest.mark.timeout(240)
def test_writer_process_ingests_and_summarizes_outside_the_server(tmp_path, monkeypatch):
    """`summarizer="writer"`: the ingest and the summary run in the spawned writer process (here
    both are broken in this process, and the service still stores and summarizes), reads answer
    in this one, and leaving the client ends the writer process."""
    import multiprocessing

    from newsfuse import pipeline
    from newsfuse.store import Store

    def broken(*args, **kwargs):
        raise AssertionError("the server process itself wrote or summarized")

    monkeypatch.setattr(Store, "ingest", broken)
    monkeypatch.setattr(pipeline, "summarize_story", broken)
    with local(create_app(tmp_path / "s.db", summarizer="writer")) as c:
        stored = c.post("/api/articles", json=example_docs())
        assert stored.status_code == 201
        story = stored.json()["stored"][0]["story_id"]
        assert len(multiprocessing.active_children()) == 2  # the writer and the big pages' builder
        assert c.app.state.store.summarizer.wait_idle(120)
        body = c.get(f"/api/stories/{story}").json()
        assert body["updating"] is False and body["summary"]["sentences"]
        assert body["summarized_articles"] == len(body["articles"]) == len(example_docs())
        assert c.get(f"/stories/{story}").status_code == 200 and c.get("/healthz").json()["stories"] >= 1
    assert multiprocessing.active_children() == []


@pytest.mark.timeout(240)
def test_a_big_storys_page_and_body_are_built_in_the_builder_process_the_same(tmp_path, monkeypatch):
    """`summarizer="writer"`: a story of BUILD_ELSEWHERE articles or more has its page (both grids)
    and API body built in the builder process (here the server's own builders are broken), and
    they are the bytes this process builds of the same story."""
    import newsfuse.serve.app as app_module
    from newsfuse.serve.middleware import templates
    from newsfuse.store import Store

    with local(create_app(tmp_path / "s.db", summarizer="writer")) as c:
        story = c.post("/api/articles", json=example_docs()).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120)
        with Store(tmp_path / "s.db", create=False) as here:
            page = app_module._story_page(here, int(story), templates()).encode()
            grid = app_module._story_page(here, int(story), templates(), full_grid=True).encode()
            body = app_module._story_json(here, int(story), None)

        def broken(*args, **kwargs):
            raise AssertionError("built in the server process")

        monkeypatch.setattr(app_module, "BUILD_ELSEWHERE", 1)
        monkeypatch.setattr(app_module, "_story_page", broken)
        monkeypatch.setattr(app_module, "_story_json", broken)
        assert c.get(f"/stories/{story}").content == page
        assert c.get(f"/stories/{story}?grid=all").content == grid
        assert c.get(f"/api/stories/{story}").content == body


@pytest.mark.timeout(240)
def test_a_dead_builder_process_leaves_big_pages_built_in_the_server(tmp_path, monkeypatch):
    """The builder killed: a big story's page is built in the server process instead (200, not
    500), and shutdown is clean."""
    import multiprocessing

    import newsfuse.serve.app as app_module

    with local(create_app(tmp_path / "s.db", summarizer="writer")) as c:
        story = c.post("/api/articles", json=example_docs()).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120)
        monkeypatch.setattr(app_module, "BUILD_ELSEWHERE", 1)
        assert c.get(f"/stories/{story}?grid=all").status_code == 200  # the builder made it
        (builder,) = c.app.state.store.builder._processes.values()
        builder.kill()
        builder.join(30)
        again = c.get(f"/stories/{story}")
        assert again.status_code == 200 and c.app.state.store.builder is None
    assert multiprocessing.active_children() == []


@pytest.mark.timeout(240)
def test_a_dead_writer_process_fails_writes_and_the_service_still_answers_and_stops(tmp_path):
    import multiprocessing

    with local(create_app(tmp_path / "s.db", summarizer="writer"), raise_server_exceptions=False) as c:
        (writer,) = c.app.state.store.writer._pool._processes.values()
        writer.kill()
        writer.join(30)
        assert c.post("/api/articles", json=example_docs()).status_code == 500
        assert c.get("/healthz").json()["stories"] == 0 and c.get("/").status_code == 200  # reads go on
    assert multiprocessing.active_children() == []


def server_children(pid: int) -> list[int]:
    """The pids of a process's children (Linux /proc)."""
    tasks = Path(f"/proc/{pid}/task")
    return [int(c) for t in tasks.iterdir() for c in (t / "children").read_text().split()]


def gone(pid: int, seconds: float) -> bool:
    """Whether the process has ended (or is a zombie) within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.timeout(240)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_served_writer_process_ends_with_the_server(tmp_path, sig):
    """`newsfuse serve` writes in its writer process; on SIGINT or SIGTERM the server stops it and
    exits cleanly; killed (SIGKILL), the orphaned writer notices and ends within seconds."""
    import httpx

    port = free_port()
    proc = start_server(tmp_path / "s.db", port)
    try:
        children = server_children(proc.pid)  # the writer (and multiprocessing's resource tracker)
        assert children
        response = httpx.post(f"http://127.0.0.1:{port}/api/articles", json=example_docs(), timeout=60)
        assert response.status_code == 201
    finally:
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    if sig != signal.SIGKILL:
        assert proc.returncode in (0, -sig), stderr
        assert b"Application shutdown complete" in stderr and b"Traceback" not in stderr, stderr
    assert all(gone(child, 15) for child in children)


def test_story_list_api_pages(client):
    client.post(
        "/api/articles", json=[{"text": TEXT}, {"text": "Ferry delayed\n\nThe ferry was late, its operator said."}]
    )
    every = client.get("/api/stories").json()
    assert len(every) == 2
    assert client.get("/api/stories", params={"limit": 1}).json() == every[:1]
    assert client.get("/api/stories", params={"limit": 1, "offset": 1}).json() == every[1:]
    assert client.get("/api/stories", params={"limit": 0}).status_code == 422


# ---- big stories: the page and body cache, the bounded coverage grid ---------------------------


class Counted:
    """A function of `newsfuse.serve.app` counted: how many pages or bodies were built."""

    def __init__(self, monkeypatch, name: str) -> None:
        from newsfuse.serve import app

        self.real, self.calls = getattr(app, name), 0
        monkeypatch.setattr(app, name, self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.mark.timeout(240)
def test_an_unchanged_story_is_not_rebuilt_and_a_new_article_or_summary_rebuilds_it(tmp_path, monkeypatch):
    from test_store import Held, one_story

    held = Held(monkeypatch)
    views, bodies = Counted(monkeypatch, "story_view"), Counted(monkeypatch, "story_out")
    first, *burst = [{"text": a.text, "outlet": f"Outlet {i}"} for i, a in enumerate(one_story(3))]
    with local(create_app(tmp_path / "s.db")) as c:
        story = c.post("/api/articles", json=first).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120)
        pages = [c.get(f"/stories/{story}").text for _ in range(3)]
        apis = [c.get(f"/api/stories/{story}").content for _ in range(3)]
        assert (views.calls, bodies.calls) == (1, 1) and len(set(pages)) == 1 and len(set(apis)) == 1
        assert c.get(f"/api/stories/{story}?since=2d").status_code == 200 and bodies.calls == 2  # never kept
        held.hold()
        assert c.post("/api/articles", json=burst).status_code == 201
        assert held.entered.wait(60)  # new articles, the summary of 3 held in progress
        page = c.get(f"/stories/{story}").text
        assert views.calls == 2 and "Updating: this summary covers the first 1 report" in page
        assert len(c.get(f"/api/stories/{story}").json()["articles"]) == 3 and bodies.calls == 3
        c.get(f"/stories/{story}")
        assert views.calls == 2
        held.release.set()
        assert c.app.state.store.summarizer.wait_idle(120)
        assert "Updating" not in c.get(f"/stories/{story}").text and views.calls == 3
        assert c.get(f"/api/stories/{story}").json()["summarized_articles"] == 3 and bodies.calls == 4


@pytest.mark.timeout(240)
def test_reads_of_one_story_state_at_once_wait_for_one_build(tmp_path, monkeypatch):
    """Three reads of a story's page while its build is held: one build, three equal pages (the
    growing story's page changes with every ingest, and every reader building it at once
    multiplied its cost)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    views = Counted(monkeypatch, "story_view")
    release, real = threading.Event(), views.real

    def held(*args, **kwargs):
        assert release.wait(120)
        return real(*args, **kwargs)

    views.real = held
    with local(create_app(tmp_path / "s.db")) as c:
        story = c.post("/api/articles", json=example_docs()).json()["stored"][0]["story_id"]
        assert c.app.state.store.summarizer.wait_idle(120)
        with ThreadPoolExecutor(3) as pool:
            reads = [pool.submit(c.get, f"/stories/{story}") for _ in range(3)]
            deadline = time.monotonic() + 2  # without the one build, all three would be building by then
            while views.calls < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            release.set()
            pages = [r.result(timeout=120) for r in reads]
    assert views.calls == 1 and all(p.status_code == 200 for p in pages) and len({p.text for p in pages}) == 1


@pytest.mark.timeout(240)
def test_a_big_storys_grid_shows_its_busiest_columns_and_links_to_all(tmp_path, monkeypatch):
    from newsfuse.serve import views

    monkeypatch.setattr(views, "GRID_COLUMNS", 2)
    with local(create_app(tmp_path / "s.db")) as c:
        stored = c.post("/api/articles", json=example_docs()).json()["stored"]
        assert c.app.state.store.summarizer.wait_idle(120)
        story = max({s["story_id"] for s in stored}, key=[s["story_id"] for s in stored].count)
        size = len(c.get(f"/api/stories/{story}").json()["articles"])
        assert size > 2
        short, full = c.get(f"/stories/{story}").text, c.get(f"/stories/{story}?grid=all").text
    assert f"The 2 of {size} articles that give the most facts" in short and "?grid=all" in short
    assert short.count('<th scope="col" title=') == 2 and full.count('<th scope="col" title=') == size
    assert "?grid=all" not in full


def test_grid_columns_are_the_articles_giving_most_facts_in_article_order():
    from newsfuse.model import Fact, Source
    from newsfuse.serve.views import grid_columns

    def fact(*docs: int) -> Fact:
        return Fact("x", tuple(Source(d, 0, 1) for d in docs), 2, "corroborated")

    facts = [fact(3, 1), fact(3, 0, 3), fact(1, 4)]
    assert grid_columns(facts, 5, 2) == [1, 3] and grid_columns(facts, 5, None) == [0, 1, 2, 3, 4]
    assert grid_columns(facts, 5, 3) == [0, 1, 3]  # 0 and 4 tie at one fact: the first article


def test_story_cache_keeps_the_latest_state_and_stays_within_its_size():
    from newsfuse.serve.views import StoryCache

    cache: StoryCache[str] = StoryCache(size=10)
    cache.put(1, "a", "12345")
    assert cache.get(1, "a") == "12345" and cache.get(1, "b") is None
    cache.put(2, "a", "123456")  # over 10 together: the least recently used goes
    assert cache.get(1, "a") is None and cache.get(2, "a") == "123456"
    cache.put(3, "a", "x" * 11)  # bigger than the whole cache: not kept
    assert cache.get(3, "a") is None and cache.get(2, "a") == "123456"


def test_offsets_for_the_browser_count_utf16_units():
    from newsfuse.serve.views import _utf16

    for text in ("plain", "“curly” é", "a😀b 😀c", "😀"):
        for index in range(len(text) + 1):
            assert _utf16(text, index) == len(text[:index].encode("utf-16-le")) // 2


@pytest.mark.timeout(240)
def test_a_summary_made_by_another_summarizer_is_refreshed_in_the_background(tmp_path, monkeypatch):
    """A store written by an older newsfuse (another `summarizer_identity`): the story's page shows
    the old summary saying it is being refreshed, the API says updating, and the summarizer redoes
    that story (and no other) off the request path."""
    import sqlite3

    from newsfuse.model import Article
    from newsfuse.store import Store
    from test_store import BRIDGE, Held, one_story

    path = tmp_path / "s.db"
    with Store(path) as store:
        story = store.ingest(one_story(2))[0].story
        store.ingest([Article(BRIDGE)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE summaries SET identity = 'older-release'")
    held = Held(monkeypatch)
    with local(create_app(path)) as c:
        assert c.app.state.store.summarizer.wait_idle(120) and held.sizes == []  # nothing redone at start
        held.hold()
        page = c.get(f"/stories/{story}")
        assert page.status_code == 200 and "Refreshing: this summary was made by an earlier version" in page.text
        assert held.entered.wait(60)  # the read queued it; the summarizer is inside it
        body = c.get(f"/api/stories/{story}").json()
        assert body["updating"] is True and body["summarized_articles"] == 2 and body["summary"]["sentences"]
        assert c.get(f"/api/stories/{story}/summary-status").json()["updating"] is True
        held.release.set()
        assert c.app.state.store.summarizer.wait_idle(120) and held.sizes == [2]
        assert c.get(f"/api/stories/{story}/summary-status").json()["updating"] is False
        assert "Refreshing" not in c.get(f"/stories/{story}").text
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM summaries WHERE identity = 'older-release'").fetchone()[0] == 1


@pytest.mark.timeout(120)
def test_the_index_is_rebuilt_only_after_the_store_changes(client, monkeypatch):
    """Two reads of the index with nothing committed between them build it once; an article
    committed by the writer makes the next read build it anew (and list the new story)."""
    import newsfuse.serve.app as app_module
    from test_store import BRIDGE, one_story

    built: list[int] = []
    real = app_module.story_list
    monkeypatch.setattr(app_module, "story_list", lambda *a: built.append(1) or real(*a))
    assert client.post("/api/articles", json={"text": one_story(1)[0].text, "outlet": "A"}).status_code == 201
    assert client.app.state.store.summarizer.wait_idle(120)
    with app_module.ThreadPoolExecutor(1) as one:  # the index's reads in one reading thread
        monkeypatch.setattr(client.app.state.store, "_readers", one)
        first, again = client.get("/").text, client.get("/").text
        assert first == again and len(built) == 1
        assert client.post("/api/articles", json={"text": BRIDGE, "outlet": "B"}).status_code == 201
        assert "Bridge closes after crack found" in client.get("/").text and len(built) == 2


class _NoThread:
    """A reading pool that fails every call: what is answered with it was answered on the event loop."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a reading thread was asked")


@pytest.mark.timeout(120)
def test_kept_answers_are_read_on_the_event_loop_without_a_reading_thread(client, monkeypatch):
    """Once built, an unchanged story's page and body, the index, the story list, /healthz and
    summary-status answer with no reading thread at all (`StoreThread.quick`); a change is built
    in one again."""
    from test_store import BRIDGE, one_story

    story = client.post("/api/articles", json={"text": one_story(1)[0].text, "outlet": "A"}).json()
    story_id = story["stored"][0]["story_id"]
    assert client.app.state.store.summarizer.wait_idle(120)
    paths = ["/", "/api/stories?limit=20", f"/stories/{story_id}", f"/api/stories/{story_id}"]
    built = {p: client.get(p).content for p in paths}  # built in a reading thread, and kept
    store = client.app.state.store
    with monkeypatch.context() as patched:
        patched.setattr(store, "_readers", _NoThread())
        assert {p: client.get(p).content for p in paths} == built
        assert client.get("/healthz").json() == {"status": "ok", "stories": 1}
        assert client.get(f"/api/stories/{story_id}/summary-status").json()["updating"] is False
        assert client.post("/api/articles", json={"text": BRIDGE, "outlet": "B"}).status_code == 201
        assert client.get("/healthz").json()["stories"] == 2  # counted again after the commit, on the loop
        with pytest.raises(AssertionError, match="a reading thread was asked"):
            client.get("/")  # changed: the index is built in a reading thread again
    assert "Bridge closes after crack found" in client.get("/").text


@pytest.mark.timeout(120)
def test_the_story_list_api_is_built_once_per_store_change_and_reads_as_before(client, monkeypatch):
    import newsfuse.serve.app as app_module
    from newsfuse.serve.views import info_out
    from test_store import BRIDGE, one_story

    built: list[int] = []
    real = app_module._infos
    monkeypatch.setattr(app_module, "_infos", lambda *a: built.append(1) or real(*a))
    assert client.post("/api/articles", json={"text": one_story(1)[0].text, "outlet": "A"}).status_code == 201
    assert client.app.state.store.summarizer.wait_idle(120)
    first, again = client.get("/api/stories?limit=5"), client.get("/api/stories?limit=5")
    assert first.content == again.content and len(built) == 1
    assert first.headers["content-type"] == "application/json"
    with app_module.Store(client.app.state.store.path) as store:
        expected = [info_out(i).model_dump(mode="json") for i in store.stories(5, 0)]
    assert first.json() == expected and len(expected) == 1
    assert client.post("/api/articles", json={"text": BRIDGE, "outlet": "B"}).status_code == 201
    assert len(client.get("/api/stories?limit=5").json()) == 2 and len(built) == 2
    assert len(client.get("/api/stories").json()) == 2 and len(built) == 3  # another page: its own answer
