"""End to end in headless Chromium (Debian's, via Playwright): paste the seeds, open the story,
click a source and see its span highlighted; article HTML never runs. Saves the docs screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "screenshot-story.png"
SCREENSHOT_INDEX = ROOT / "docs" / "screenshot-index.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
pytest.importorskip("uvicorn", reason="the serve extra is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)", allow_module_level=True)

from test_serve import free_port, start_server, stop_server  # noqa: E402  (tests/ is on sys.path)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    proc = start_server(tmp_path_factory.mktemp("serve") / "newsfuse.db", port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_paste_seeds_open_story_and_highlight_source(server, page):
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if len(seeds) < 2:
        pytest.skip(f"no seed articles in {SEEDS}")
    page.goto(server + "/")
    page.click(".add-more a")  # the news first; the form on its own page
    page.wait_for_url("**/add")
    for i, path in enumerate(seeds):
        if i:
            page.click("#add-entry")
        entry = page.locator(".entry").nth(i)
        entry.locator("textarea[name=text]").fill(path.read_text(encoding="utf-8"))
        entry.locator("input[name=outlet]").fill(f"Outlet {chr(65 + i)}")
        entry.locator("input[name=url]").fill(f"https://example.org/seed-{i}")
    page.click("#submit-articles")
    page.wait_for_url("**/stories/*", timeout=120_000)
    # The summary is made in the background: the page polls for it and reloads once it is current.
    page.locator(".summary .sentence").first.wait_for(timeout=120_000)
    page.locator(".updating").wait_for(state="detached", timeout=120_000)

    sentences = page.locator(".summary .sentence")
    assert sentences.count() >= 2
    first = sentences.first
    text = first.locator(".sentence-text").text_content()
    assert len(text.split()) >= 5
    chip = first.locator("button.chip").first
    assert chip.get_attribute("title").endswith(text)  # hover shows the source sentence
    chip.click()
    mark = page.locator("#reader mark.hl")
    mark.wait_for(state="visible")
    assert mark.count() == 1
    assert mark.text_content() == text  # the summary sentence is an exact span of its first source
    assert mark.is_visible() and mark.bounding_box()["height"] > 0
    assert page.locator(".doc.active").get_attribute("data-doc") == chip.get_attribute("data-doc")

    # another source of another sentence moves the highlight
    other = page.locator(".summary .sentence").nth(1).locator("button.chip").first
    other.click()
    assert page.locator("#reader mark.hl").count() == 1
    assert (
        page.locator("#reader mark.hl").text_content()
        == page.locator(".summary .sentence").nth(1).locator(".sentence-text").text_content()
    )

    for section in ("Facts", "Coverage", "Timeline", "Articles"):
        assert page.get_by_role("heading", name=section).count() >= 1
    assert page.locator("table.coverage button.dot").count() >= 5
    assert not page.dialogs

    chip.click()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1300)  # the highlight's flash animation ends
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    originals = page.locator("ul.originals a")  # each original linked at the top
    assert originals.count() == len(seeds)
    assert originals.first.get_attribute("href").startswith("https://example.org/seed-")

    page.goto(server + "/")  # the story list: headline, one-line summary, outlets, articles
    card = page.locator(".story-card").first
    assert card.locator(".story-lead").text_content().strip()
    assert "Outlet A" in card.locator(".story-outlets").text_content()
    assert page.locator("link[rel=icon]").count() == 1
    page.fill("#q", "Carter")
    page.click(".search button")
    page.wait_for_url("**/?q=Carter")
    assert page.locator(".story-card").count() >= 1
    page.goto(server + "/")
    page.screenshot(path=str(SCREENSHOT_INDEX))
    page.goto(server + "/?q=zzzzqqq")
    assert "No story mentions" in page.locator(".empty").text_content()

    page.goto(server + "/stories/" + page_story(page, server))
    page.set_viewport_size({"width": 390, "height": 844})  # phone: one column, still usable
    page.locator(".summary .sentence").first.locator("button.chip").first.click()
    assert page.locator("#reader mark.hl").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def page_story(page, server) -> str:
    """The id of the first story of the list."""
    page.goto(server + "/")
    return page.locator(".story-card a.story-link").first.get_attribute("href").rsplit("/", 1)[1]


EVIL = "<script>window.__pwned = 1; alert('script')</script>"
EVIL_IMG = "<img src=x onerror=\"window.__pwned = 2; alert('img')\">"


def test_article_markup_never_runs(server, page):
    import httpx

    body = (
        f"Harbour crane collapses {EVIL}\n\n"
        f"A crane collapsed at the harbour on Monday, officials said {EVIL_IMG}. "
        f"Two workers were hurt when the crane fell onto a container ship. "
        f'"We are investigating {EVIL}" the port director said.\n\n'
        f"The harbour was closed for the rest of the day {EVIL_IMG} while inspectors checked other cranes."
    )
    articles = [
        {"text": body, "outlet": f"Evil {EVIL_IMG}", "title": f"Crane {EVIL}", "url": "javascript:alert('url')"},
        {
            "text": body.replace("Monday", "Tuesday") + "\n\nMore crane news.",
            "outlet": f"Other {EVIL}",
            "url": "https://example.org/crane",
        },
    ]
    response = httpx.post(server + "/api/articles", json=articles, timeout=60)
    assert response.status_code == 201, response.text
    story = response.json()["stored"][0]["story_id"]
    _summarized(server, story)  # the summary's sentences and chips carry the markup too

    page.goto(server + "/")
    assert page.get_by_text("Crane <script>", exact=False).count() >= 1  # the headline, as text
    assert page.evaluate("window.__pwned") is None
    page.goto(f"{server}/stories/{story}")
    chips = page.locator("button.chip").all()
    assert chips  # the summary is shown, with its sources' chips
    for chip in chips[:6]:
        chip.click()
    for button in page.locator("button.reader-tab").all():
        button.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert not page.dialogs
    assert page.locator("img").count() == 0
    assert page.locator("main script").count() == 1  # only the JSON data block of the page itself
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.get_by_text("Crane <script>", exact=False).count() >= 1  # shown as text
    assert page.locator("a[href='https://example.org/crane']").count() >= 1


def _posted(article) -> dict:
    return {
        "text": article.text,
        "outlet": article.outlet,
        "title": article.title,
        "url": f"https://example.org/{article.outlet.split()[-1].lower()}/{article.published:%H%M}",
        "published": article.published.isoformat() + "Z",
    }


def _summarized(base: str, story: str) -> None:
    """Wait until the background summarizer has the story's summary current (at most 120 s)."""
    import time

    import httpx

    for _ in range(1200):
        if not httpx.get(f"{base}/api/stories/{story}/summary-status", timeout=30).json()["updating"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"story {story}: the summary was still updating after 120 s")


def test_new_since_the_last_visit_is_remembered_in_the_browser(tmp_path, page):
    """First visit: nothing shown, the newest report remembered. Two later reports arrive; the
    next visit shows what they say that is new, the changed value, who first reported each, and
    marks the summary's new sentences; a reload shows the same; CSP-clean (no console errors)."""
    import httpx

    from test_updates import fire_story

    morning, evening, gazette = fire_story().articles
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    port = free_port()
    proc = start_server(tmp_path / "newsfuse.db", port)
    try:
        base = f"http://127.0.0.1:{port}"
        first = httpx.post(base + "/api/articles", json=[_posted(morning)], timeout=60).json()
        story = first["stored"][0]["story_id"]
        _summarized(base, story)
        page.goto(f"{base}/stories/{story}")
        assert page.locator("#since").is_hidden()  # a first visit has no "since"
        key = f"newsfuse:seen:{story}"
        assert page.evaluate(f"localStorage.getItem('{key}')").startswith("2025-06-02T08:00:00")

        later = httpx.post(base + "/api/articles", json=[_posted(evening), _posted(gazette)], timeout=60).json()
        assert {s["story_id"] for s in later["stored"]} == {story}
        _summarized(base, story)
        page.goto(f"{base}/stories/{story}")
        since = page.locator("#since")
        since.locator(".since-sentence").first.wait_for(state="visible", timeout=30_000)
        assert "2 new reports" in page.locator("#since-status").text_content()
        news = since.locator(".since-sentence").all_text_contents()
        assert any("18 people were injured" in t for t in news) and not any("three stations" in t for t in news)
        assert all("first reported" in t and "by Millbrook" in t for t in news)
        change = since.locator(".since-change").first.text_content()
        assert "14 → 18" in change and "was 14" in change and "now 18" in change
        assert page.locator(".summary .sentence.is-new").count() >= 1
        # A chip of the update opens its article with the span highlighted, as any chip does.
        chip = since.locator(".since-sentence button.chip").first
        chip.click()
        mark = page.locator("#reader mark.hl")
        mark.wait_for(state="visible")
        assert mark.text_content() in chip.get_attribute("title")
        assert page.evaluate(f"localStorage.getItem('{key}')").startswith("2025-06-02T23:00:00")

        page.reload()  # the same tab: the same update, from the same moment
        since.locator(".since-sentence").first.wait_for(state="visible", timeout=30_000)
        assert since.locator(".since-sentence").all_text_contents() == news

        other = page.context.new_page()  # a new tab: seen up to the newest report, nothing new
        other.goto(f"{base}/stories/{story}")
        other.locator("#since-status").wait_for(state="visible")
        assert "Nothing new" in other.locator("#since-status").text_content()
        other.close()
        assert not errors, errors
    finally:
        stop_server(proc)
