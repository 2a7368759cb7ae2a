// newsfuse pages: source highlighting on the story page, the paste/upload form on the index.
// Article text only ever reaches the page through textContent / text nodes, never as HTML.
"use strict";
document.documentElement.classList.add("js");

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // ---- story page: the source reader ----
  function storyPage() {
    const data = $("#nf-texts");
    if (!data) return;
    const texts = JSON.parse(data.textContent);

    function showDoc(doc) {
      $$(".doc").forEach((el) => el.classList.toggle("active", el.dataset.doc === String(doc)));
      $$(".reader-tab").forEach((el) => {
        const on = el.dataset.doc === String(doc);
        el.classList.toggle("active", on);
        el.setAttribute("aria-selected", on ? "true" : "false");
      });
    }

    function clearMarks() {
      $$(".doc-text").forEach((el) => {
        if (el.querySelector("mark")) el.textContent = texts[Number(el.dataset.doc)];
      });
      $$(".chip.active, .dot.active").forEach((el) => el.classList.remove("active"));
    }

    function highlight(button) {
      const doc = Number(button.dataset.doc);
      const start = Number(button.dataset.start);
      const end = Number(button.dataset.end);
      const text = texts[doc];
      if (text === undefined || !(start >= 0 && end <= text.length && start < end)) return;
      clearMarks();
      showDoc(doc);
      const mark = document.createElement("mark");
      mark.className = "hl";
      mark.textContent = text.slice(start, end);
      $(`.doc-text[data-doc="${doc}"]`).replaceChildren(text.slice(0, start), mark, text.slice(end));
      button.classList.add("active");
      const hint = $("#reader-hint");
      if (hint) hint.textContent = "Highlighted where " + (button.title.split(":")[0] || "the source") + " says it.";
      const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      mark.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    }

    document.addEventListener("click", (event) => {
      const source = event.target.closest("button.chip, button.dot");
      if (source) return highlight(source);
      const tab = event.target.closest(".reader-tab, button.read");
      if (tab) {
        clearMarks();
        showDoc(tab.dataset.doc);
        if (tab.classList.contains("read")) $("#reader").scrollIntoView({ block: "start", behavior: "smooth" });
      }
    });

    const table = $("#coverage");
    const toggle = $("#grid-toggle");
    if (table && toggle) {
      toggle.addEventListener("click", () => {
        const collapsed = table.classList.toggle("collapsed");
        toggle.textContent = collapsed ? toggle.dataset.more : toggle.dataset.less;
      });
    }
    sinceLastVisit(texts);
  }

  // ---- story page: new since your last visit (remembered in this browser only) ----
  // localStorage keeps, per story, the newest report the reader has seen (the server's moment, so
  // the reader's clock never matters); sessionStorage keeps the moment this tab showed the update
  // from, so a reload shows the same update. The update comes from this server's own API.
  // ---- story page: a summary being recomputed in the background ----
  // Poll the story's summary status (cheap: no articles) and reload once the summary is current.
  function awaitSummary() {
    const note = $(".updating[data-story]");
    if (!note) return;
    const url = "/api/stories/" + encodeURIComponent(note.dataset.story) + "/summary-status";
    let tries = 0;
    const poll = () => {
      if (++tries > 200) return; // about ten minutes: the reader can reload by hand
      fetch(url, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status))))
        .then((status) => (status.updating ? setTimeout(poll, 3000) : window.location.reload()))
        .catch(() => setTimeout(poll, 3000));
    };
    setTimeout(poll, 2000);
  }

  function sinceLastVisit(texts) {
    const section = $("#since");
    if (!section) return;
    const key = "newsfuse:seen:" + section.dataset.story;
    let since = null;
    try {
      since = sessionStorage.getItem(key) || localStorage.getItem(key);
      if (since) sessionStorage.setItem(key, since);
      localStorage.setItem(key, section.dataset.newest || new Date().toISOString());
    } catch (error) {
      return; // storage is blocked: there is no last visit to remember
    }
    if (!since || Number.isNaN(Date.parse(since))) return;
    $("#since-when").textContent = "since " + when(since);
    section.hidden = false;
    const newest = Date.parse(section.dataset.newest);
    if (!Number.isNaN(newest) && newest <= Date.parse(since)) {
      $("#since-status").textContent = "Nothing new: no report has come in since then.";
      return;
    }
    $("#since-status").textContent = "Looking for what is new…";
    const url = "/api/stories/" + encodeURIComponent(section.dataset.story) + "?since=" + encodeURIComponent(since);
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status))))
      .then((story) => showUpdate(story.update, texts))
      .catch((error) => { $("#since-status").textContent = "Could not load what is new (" + error.message + ")."; });
  }

  function when(iso) {
    if (!iso) return "undated";
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return iso;
    return moment.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function utf16(text, index) {
    // The API's offsets count code points; the page's strings count UTF-16 units.
    return Array.from(text).slice(0, index).join("").length;
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function chips(sources, texts) {
    const span = element("span", "chips");
    const seen = new Set();
    for (const src of sources) {
      const text = texts[src.document];
      if (text === undefined || seen.has(src.document)) continue;
      seen.add(src.document);
      const start = utf16(text, src.start);
      const end = utf16(text, src.end);
      const outlet = src.outlet || "article " + (src.document + 1);
      const button = element("button", "chip");
      button.type = "button";
      Object.assign(button.dataset, { doc: String(src.document), start: String(start), end: String(end) });
      button.title = outlet + ": " + text.slice(start, end);
      button.append(element("span", "chip-n", String(src.document + 1)), outlet);
      span.append(button);
    }
    return span;
  }

  function firstBy(reported) {
    return element("span", "first-by",
      "first reported " + when(reported.first_reported) + " by " + (reported.first_outlet || "an unnamed outlet"));
  }

  function showUpdate(update, texts) {
    const status = $("#since-status");
    if (!update) { status.textContent = "Could not load what is new."; return; }
    const news = update.sentences.length;
    const reports = update.later.length === 1 ? "1 new report" : update.later.length + " new reports";
    status.textContent = !update.later.length ? "Nothing new: no report has come in since then."
      : news ? reports + "; what they say that earlier reports did not:"
      : reports + ", but nothing in them the earlier reports did not already say.";
    const list = $("#since-sentences");
    const keys = new Set();
    for (const s of update.sentences) {
      const item = element("li", "since-sentence");
      item.append(element("p", "sentence-text", s.text));
      const meta = element("div", "sentence-sources");
      meta.append(firstBy(s), chips(s.sources.concat(s.partial), texts));
      item.append(meta);
      list.append(item);
      for (const src of s.sources.concat(s.partial)) {
        const text = texts[src.document];
        if (text !== undefined) keys.add([src.document, utf16(text, src.start), utf16(text, src.end)].join(":"));
      }
    }
    const changes = $("#since-changes");
    if (update.changes.length) changes.append(element("h3", "", "Changed since then"));
    for (const c of update.changes) {
      const box = element("div", "since-change");
      const head = element("p", "dis-topic");
      head.append(element("span", "tag", c.kind), c.before.value + " → " + c.after.value + " (" + c.topic + ")");
      box.append(head);
      for (const [label, side] of [["was", c.before], ["now", c.after]]) {
        const line = element("p", "change-side");
        line.append(element("strong", "", label + " " + side.value + ": "), firstBy(side), chips(side.sources, texts));
        box.append(line);
      }
      changes.append(box);
    }
    // The summary's sentences that are new since then are marked where they stand.
    for (const sentence of $$(".summary .sentence")) {
      const fresh = $$("button.chip", sentence).some((b) => keys.has([b.dataset.doc, b.dataset.start, b.dataset.end].join(":")));
      if (fresh) {
        sentence.classList.add("is-new");
        $(".sentence-sources", sentence).prepend(element("span", "new-badge", "new"));
      }
    }
  }

  // ---- index page: paste and upload ----
  function indexPage() {
    const paste = $("#paste-form");
    if (!paste) return;
    const status = $("#form-status");
    const entries = $("#entries");
    const token = $("#token");
    if (token) token.value = sessionStorage.getItem("newsfuse-token") || "";

    function say(message, kind) {
      status.textContent = message;
      status.className = "form-status " + (kind || "");
    }

    function renumber() {
      $$(".entry", entries).forEach((el, i) => { $(".entry-number", el).textContent = String(i + 1); });
    }

    $$(".tab").forEach((tab) => tab.addEventListener("click", () => {
      $$(".tab").forEach((t) => { t.classList.toggle("active", t === tab); t.setAttribute("aria-selected", t === tab); });
      $$(".tab-panel").forEach((p) => p.classList.toggle("active", p.dataset.panel === tab.dataset.tab));
    }));

    $("#add-entry").addEventListener("click", () => {
      const copy = $(".entry", entries).cloneNode(true);
      $$("input, textarea", copy).forEach((el) => { el.value = ""; });
      entries.appendChild(copy);
      renumber();
      $("textarea", copy).focus();
    });

    entries.addEventListener("click", (event) => {
      const remove = event.target.closest(".remove-entry");
      if (remove && $$(".entry", entries).length > 1) {
        remove.closest(".entry").remove();
        renumber();
      }
    });

    function headers(extra) {
      const h = Object.assign({}, extra || {});
      if (token && token.value) {
        sessionStorage.setItem("newsfuse-token", token.value);
        h.Authorization = "Bearer " + token.value;
      }
      return h;
    }

    async function send(body, extraHeaders) {
      const buttons = $$("button[type=submit]");
      buttons.forEach((b) => { b.disabled = true; });
      say("Reading, grouping and summarizing…");
      try {
        const response = await fetch("/api/articles", { method: "POST", headers: headers(extraHeaders), body });
        const result = await response.json().catch(() => ({}));
        if (!response.ok) {
          say(errorText(response.status, result), "error");
          return;
        }
        const added = result.stored.filter((s) => s.new).length;
        const stories = Array.from(new Set(result.stored.map((s) => s.story_id)));
        if (stories.length === 1) {
          window.location.assign("/stories/" + encodeURIComponent(stories[0]));
        } else {
          window.location.assign("/?added=" + added + "#stories");
        }
      } catch (error) {
        say("Could not reach the server: " + error.message, "error");
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    }

    function errorText(code, result) {
      const detail = typeof result.detail === "string" ? result.detail : JSON.stringify(result.detail || "");
      if (code === 401) return "This server needs a valid access token to add articles.";
      if (code === 413) return "Too large: " + detail;
      return "Not added (" + code + "): " + detail;
    }

    paste.addEventListener("submit", (event) => {
      event.preventDefault();
      const articles = [];
      for (const entry of $$(".entry", entries)) {
        const text = $("textarea", entry).value;
        if (!text.trim()) continue;
        const article = { text };
        for (const name of ["outlet", "url", "published"]) {
          const value = $(`[name=${name}]`, entry).value.trim();
          if (value) article[name] = value;
        }
        articles.push(article);
      }
      if (!articles.length) return say("Paste the text of at least one article.", "error");
      send(JSON.stringify(articles), { "Content-Type": "application/json" });
    });

    $("#upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("input[type=file]", event.target);
      if (!input.files.length) return say("Choose at least one file.", "error");
      const form = new FormData();
      for (const file of input.files) form.append("files", file, file.name);
      send(form);
    });
  }

  document.addEventListener("DOMContentLoaded", () => { storyPage(); awaitSummary(); indexPage(); });
})();
