"""Browser tests: Playwright with Debian's chromium against pytest-django's live server.

Run as their own pytest process (`pytest tests/e2e`): Playwright runs an event loop, so Django's
async-safety check is switched off for the whole process.
"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.e2e)
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"{CHROMIUM} is missing: in CI a skipped browser test is a failure.")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def live_server_serves_static_files_like_the_app():
    """pytest-django's live server puts Django's finder-based static handler in front of the app, which knows no
    hashed names: hand every request to the app instead, whose whitenoise serves the collected files as in
    `make run` (tests/conftest.py collects them into a temporary STATIC_ROOT)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.contrib.staticfiles.handlers.StaticFilesHandler", lambda application: application)
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def login(live_server, context, client):
    """Log a user in by handing the browser a session cookie made by the test client (no login form)."""

    def _login(user):
        client.force_login(user)
        context.clear_cookies()
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    return _login


# Select article text by UTF-16 offsets, as a mouse drag would, then release the mouse.
SELECT_JS = """([s, e]) => {
  const doc = document.getElementById('doc');
  const segs = [...doc.querySelectorAll('.para > span')];
  const point = (u, end) => {
    for (const seg of segs) {
      const a = Number(seg.dataset.s), b = a + seg.textContent.length;
      if (u >= a && (u < b || (end && u === b))) return [seg.firstChild, u - a];
    }
    throw new Error('no segment at ' + u);
  };
  const range = document.createRange();
  range.setStart(...point(s, false));
  range.setEnd(...point(e, true));
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  doc.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0}));
}"""


# The viewport position of the character at a UTF-16 offset (its left or right edge), for real mouse drags.
RECT_JS = """([u, side]) => {
  for (const seg of document.querySelectorAll('#doc .para > span')) {
    const a = Number(seg.dataset.s);
    if (u >= a && u < a + seg.textContent.length) {
      const range = document.createRange();
      range.setStart(seg.firstChild, u - a);
      range.setEnd(seg.firstChild, u - a + 1);
      const r = range.getBoundingClientRect();
      return {x: side === 'left' ? r.left + 1 : r.right - 1, y: r.top + r.height / 2};
    }
  }
  throw new Error('no segment at ' + u);
}"""


def utf16_offset(text: str, cp: int) -> int:
    """The UTF-16 index of a code-point index (what the browser counts)."""
    return len(text[:cp].encode("utf-16-le")) // 2


@pytest.fixture
def open_workspace(live_server, page, login):
    """Open the workspace of an article as a user; waits until the text is rendered."""

    def _open(project, article, user):
        login(user)
        page.goto(f"{live_server.url}/projects/{project.pk}/articles/{article.pk}/")
        page.wait_for_selector("#doc[data-ready=true]")
        return page

    return _open


@pytest.fixture
def select_text(page):
    """Select the text at code-point offsets [start, end) of the article."""

    def _select(text: str, start: int, end: int):
        page.evaluate(SELECT_JS, [utf16_offset(text, start), utf16_offset(text, end)])

    return _select


@pytest.fixture
def drag_select(page):
    """Select with a real mouse drag from the character at code point `start` to the one before `end`."""

    def _drag(text: str, start: int, end: int):
        a = page.evaluate(RECT_JS, [utf16_offset(text, start), "left"])
        b = page.evaluate(RECT_JS, [utf16_offset(text, end - 1), "right"])
        page.mouse.move(a["x"], a["y"])
        page.mouse.down()
        page.mouse.move(b["x"], b["y"], steps=4)
        page.mouse.up()

    return _drag
