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


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path / "store.db")) as c:
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
    with TestClient(create_app(tmp_path / "s.db", max_body=3 * 1048576)) as c:
        assert "Up to 3 MB in all" in c.get("/").text


def test_declared_oversize_body_is_413(tmp_path):
    with TestClient(create_app(tmp_path / "s.db", max_body=2000)) as c:
        response = c.post("/api/summarize", json={"documents": ["word " * 1000]})
        assert response.status_code == 413
        assert "2000 bytes" in response.json()["detail"]


def test_streamed_oversize_body_is_413(tmp_path):
    def chunks():
        yield b'{"documents": ["'
        for _ in range(100):
            yield b"word " * 100
        yield b'"]}'

    with TestClient(create_app(tmp_path / "s.db", max_body=5000)) as c:
        response = c.post("/api/articles", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_oversize_upload_is_413(tmp_path):
    with TestClient(create_app(tmp_path / "s.db", max_body=10_000)) as c:
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
    story = client.get(f"/api/stories/{story_id}").json()
    assert story["articles"] and story["summary"]["sentences"]
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
    with TestClient(create_app(tmp_path / "s.db", token="s3cret")) as c:
        doc = example_docs()[0]
        assert c.post("/api/articles", json=doc).status_code == 401
        wrong = c.post("/api/articles", json=doc, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        assert c.post("/api/articles", json=doc, headers={"Authorization": "Basic s3cret"}).status_code == 401
        ok = c.post("/api/articles", json=doc, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 201
        assert c.get("/api/stories").status_code == 200
        assert c.post("/api/summarize", json={"documents": [doc]}).status_code == 200
        assert 'id="token"' in c.get("/").text


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
    from typer.testing import CliRunner

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
            story = httpx.get(f"{base}/api/stories/{story_id}", timeout=60).json()
            assert story["summary"]["sentences"]
        total = sum(s["articles"] for s in httpx.get(base + "/api/stories", timeout=30).json())
        assert total == len(stored)
    finally:
        stop_server(proc)


def test_summarize_in_worker_processes(tmp_path):
    with TestClient(create_app(tmp_path / "s.db", workers=1)) as c:
        response = c.post("/api/summarize", json={"documents": example_docs(), "words": 60})
        assert response.status_code == 200 and response.json()["sentences"]
