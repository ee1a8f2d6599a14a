"""Workspace speed: open a 20,000-word article carrying 1,000 annotations in headless chromium.

Prints the time until the article can be annotated (navigation start -> text rendered and keys live)
and, over several key presses, the time from the key press to the new span shown (painted) and to it
saved by the API. Targets: ready <= 1 s, key press -> shown and saved <= 100 ms.
Then the curation screen of the same article coded by 3 coders x 1,000 spans (a shared base that each coder
keeps, shifts, relabels or drops): the time until its lanes and text are ready (target <= 1 s).

    DATABASE_URL=postgresql://... python bench/ui.py [--words 20000] [--spans 1000] [--presses 20] [--coders 3]

Uses the database named by DATABASE_URL (migrated); it creates or refreshes a project "bench-ui".
Needs /usr/bin/chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotations import services  # noqa: E402
from annotations.models import Actor, Annotation  # noqa: E402
from articles.models import Article, Snapshot  # noqa: E402
from projects.models import Membership, Project  # noqa: E402

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
WORDS = " ".join(
    [
        "the forces of government said on Tuesday that fighting near Tripoli had killed civilians while",
        "officials in Benghazi denied reports of an offensive and called for talks under the ceasefire",
        "brokered by Turkey and Russia as mercenaries advanced toward the capital according to witnesses",
    ]
).split(" ")
NAMES = ["Khalifa Haftar", "Fayez al-Sarraj", "Vladimir Putin", "Recep Tayyip Erdogan", "United Nations", "GNA"]


def make_text(words: int, rng: random.Random) -> str:
    paragraphs, count = [], 0
    while count < words:
        sentence_words = []
        for _ in range(rng.randint(60, 140)):
            sentence_words.append(rng.choice(NAMES) if rng.random() < 0.04 else rng.choice(WORDS))
        if rng.random() < 0.2:
            sentence_words.insert(rng.randrange(len(sentence_words)), "🇱🇾")
        count += len(sentence_words)
        paragraphs.append(" ".join(sentence_words).capitalize() + ".")
    return "\n\n".join(paragraphs)


def prepare(words: int, spans: int) -> tuple[Project, Article, object]:
    rng = random.Random(1)
    user, _ = get_user_model().objects.get_or_create(username="bench-ui")
    project = Project.objects.filter(slug="bench-ui").first() or services.create_project(
        name="Bench UI", slug="bench-ui"
    )
    Membership.objects.get_or_create(project=project, user=user)
    text = make_text(words, rng)
    digest = hashlib.sha256(text.encode()).hexdigest()
    article = project.articles.filter(text_sha256=digest).first()
    if article is None:
        raw = text.encode()
        snapshot, _ = Snapshot.objects.get_or_create(
            sha256=hashlib.sha256(raw).hexdigest(),
            defaults={"raw": raw, "size": len(raw), "content_type": "text/plain", "captured_at": timezone.now()},
        )
        article = Article.objects.create(
            snapshot=snapshot, title="Bench: a long article", text=text, text_sha256=digest
        )
        project.articles.add(article)
    for name in NAMES:
        if not Actor.objects.filter(name__iexact=name).exists():
            services.create_actor(name=name, kind="person")
    Annotation.objects.filter(project=project, article=article).delete()
    labels = list(project.labels.all())
    word_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    rows, seen = [], set()
    while len(rows) < spans:
        i = rng.randrange(len(word_starts) - 8)
        start = word_starts[i]
        end = word_starts[i + rng.randint(1, 6)] - 1
        label = rng.choice(labels)
        if (label.pk, start, end) in seen:
            continue  # one coder marks the same offsets with one label once (a constraint)
        seen.add((label.pk, start, end))
        prefix, suffix = services.span_context(text, start, end)
        rows.append(
            Annotation(
                project=project,
                article=article,
                label=label,
                annotator=user,
                start=start,
                end=end,
                quote=text[start:end],
                prefix=prefix,
                suffix=suffix,
            )
        )
    Annotation.objects.bulk_create(rows)
    return project, article, user


def prepare_curation(project: Project, article: Article, coders: int, spans: int) -> tuple[object, int]:
    """Each of `coders` coders codes the article with about `spans` spans; returns a reviewer and the spans made."""
    rng = random.Random(3)
    users = get_user_model()
    curator, _ = users.objects.get_or_create(username="bench-ui-curator")
    Membership.objects.update_or_create(project=project, user=curator, defaults={"role": Membership.Role.REVIEWER})
    text = article.text
    labels = list(project.labels.all())
    word_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    base = []
    for _ in range(spans):
        i = rng.randrange(len(word_starts) - 8)
        base.append((rng.choice(labels), i, i + rng.randint(1, 6)))
    rows = []
    for n in range(coders):
        coder, _ = users.objects.get_or_create(username=f"bench-ui-coder-{n}")
        Membership.objects.get_or_create(project=project, user=coder)
        seen = set()
        for label, i, j in base:
            if rng.random() < 0.1:
                continue  # this coder missed it
            if rng.random() < 0.1:
                j = max(i + 1, j + rng.choice([-1, 1]))  # other boundaries
            if rng.random() < 0.1:
                label = rng.choice(labels)  # another label
            start, end = word_starts[i], word_starts[j] - 1
            if (label.pk, start, end) in seen:
                continue  # one coder marks the same offsets with one label once (a constraint)
            seen.add((label.pk, start, end))
            prefix, suffix = services.span_context(text, start, end)
            rows.append(
                Annotation(
                    project=project, article=article, label=label, annotator=coder, start=start, end=end,
                    quote=text[start:end], prefix=prefix, suffix=suffix,
                )
            )  # fmt: skip
    Annotation.objects.bulk_create(rows)
    return curator, len(rows)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


MEASURE_PRESS = """async ([s, e]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const doc = document.getElementById('doc');
  const segs = [...doc.querySelectorAll('.para > span')];
  const point = (u, end) => { for (const seg of segs) { const a = Number(seg.dataset.s), b = a + seg.textContent.length;
      if (u >= a && (u < b || (end && u === b))) return [seg.firstChild, u - a]; } };
  // As a reader would: the passage is on screen and selected before the key is pressed.
  point(s, false)[0].parentElement.scrollIntoView({block: 'center'});
  await frame(); await frame();
  const range = document.createRange();
  range.setStart(...point(s, false)); range.setEnd(...point(e, true));
  getSelection().removeAllRanges(); getSelection().addRange(range);
  doc.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0}));
  await frame(); await new Promise((r) => setTimeout(r, 60));
  const before = document.querySelectorAll('#doc .ann').length;
  const t0 = performance.now();
  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'a', bubbles: true}));
  const handler = performance.now() - t0;
  await frame();
  const shown = performance.now() - t0;
  const grew = document.querySelectorAll('#doc .ann').length !== before;
  const state = document.getElementById('save-state');
  while (state.textContent !== 'All changes saved') await new Promise((r) => setTimeout(r, 1));
  const saved = performance.now() - t0;
  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
  await new Promise((r) => setTimeout(r, 50));
  return {shown, saved, grew, handler};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--spans", type=int, default=1_000)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--coders", type=int, default=3, help="coders of the curation measurement")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    project, article, user = prepare(args.words, args.spans)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    curator, coded = prepare_curation(project, article, args.coders, args.spans)
    curator_client = Client()  # its own session: logging another user into `client` would end the first one's
    curator_client.force_login(curator)
    curator_session = curator_client.cookies["sessionid"].value
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        url = f"{base}/projects/{project.pk}/articles/{article.pk}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            page.goto(url)  # warm-up: caches, the server's first request
            page.wait_for_selector("#doc[data-ready=true]")
            loads = []
            for _ in range(args.loads):
                page.goto(url)
                page.wait_for_selector("#doc[data-ready=true]")
                loads.append(
                    page.evaluate(
                        """() => { const nav = performance.getEntriesByType('navigation')[0];
                           return {ready: window.__workspaceReady, response: nav.responseEnd,
                                   bytes: nav.transferSize, spans: document.querySelectorAll('#doc .ann').length}; }"""
                    )
                )
            text = article.text
            rng = random.Random(2)
            presses = []
            word_starts = [i + 1 for i, ch in enumerate(text) if ch == " "]
            for _ in range(args.presses):
                i = rng.randrange(len(word_starts) - 3)
                start, end = word_starts[i], word_starts[i + 2] - 1
                s16 = len(text[:start].encode("utf-16-le")) // 2
                e16 = len(text[:end].encode("utf-16-le")) // 2
                presses.append(page.evaluate(MEASURE_PRESS, [s16, e16]))
            context.clear_cookies()
            context.add_cookies([{"name": "sessionid", "value": curator_session, "url": base}])
            curate = f"{url}curate/"
            page.goto(curate)  # warm-up
            page.wait_for_selector("#lanes[data-ready=true]")
            curations = []
            for _ in range(args.loads):
                page.goto(curate)
                page.wait_for_selector("#lanes[data-ready=true]")
                curations.append(
                    page.evaluate(
                        """() => { const nav = performance.getEntriesByType('navigation')[0];
                           return {ready: window.__curationReady, response: nav.responseEnd,
                                   bytes: nav.transferSize,
                                   units: document.querySelectorAll('#lanes-table tr.unit').length,
                                   marks: document.querySelectorAll('#doc [class*=unit-]').length}; }"""
                    )
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        Annotation.objects.filter(project=project, article=article).delete()

    words = len(article.text.split())
    print(f"Workspace bench: {words} words, {args.spans} annotations, {len(article.text)} code points")
    print(f"  (machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} when done)")
    ready = [load["ready"] for load in loads]
    print(
        f"  ready to annotate (navigation start -> text rendered, keys live): "
        f"median {statistics.median(ready):.0f} ms, max {max(ready):.0f} ms  (target <= 1000 ms)"
    )
    print(
        f"    of which the server's page (HTML + embedded data, {loads[0]['bytes'] / 1024:.0f} KiB): "
        f"median {statistics.median(load['response'] for load in loads):.0f} ms; spans rendered: {loads[0]['spans']}"
    )
    handler = [p["handler"] for p in presses]
    print(f"  key handler (DOM updated, before layout and paint): median {statistics.median(handler):.1f} ms")
    shown = [p["shown"] for p in presses]
    saved = [p["saved"] for p in presses]
    print(
        f"  key press -> span shown (next paint): median {statistics.median(shown):.1f} ms, "
        f"max {max(shown):.1f} ms  (target <= 100 ms)"
    )
    print(
        f"  key press -> span saved (POST /api/annotations/ answered): median {statistics.median(saved):.1f} ms, "
        f"max {max(saved):.1f} ms  (target <= 100 ms)"
    )
    ready = [c["ready"] for c in curations]
    print(
        f"  curation screen ({args.coders} coders, {coded} spans, {curations[0]['units']} units in the lanes, "
        f"{curations[0]['marks']} disagreement segments marked in the text): "
        f"ready median {statistics.median(ready):.0f} ms, max {max(ready):.0f} ms  (target <= 1000 ms); "
        f"server page ({curations[0]['bytes'] / 1024:.0f} KiB) "
        f"median {statistics.median(c['response'] for c in curations):.0f} ms"
    )
    if not all(p["grew"] for p in presses):
        print("  warning: some key presses did not show a new span")


if __name__ == "__main__":
    main()
