"""Open an HTML file in headless Chromium and report what a reader would see, through the DevTools
protocol over a pipe (``--remote-debugging-pipe``: JSON messages ended by NUL on fds 3 and 4), with
only the standard library.

:func:`open_page` loads the page in a window of the given width, waits for its fonts, and returns
a :class:`Page`: the console's errors and warnings (console calls, uncaught exceptions, the
browser's own log, such as a resource that did not load), each image's decoded size, the fonts the
text was drawn with, and a screenshot of the whole page.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")

# What the page's images are once loaded, and the text to ask its fonts about.
IMAGES = """JSON.stringify(Array.from(document.images, image => ({
    complete: image.complete, width: image.naturalWidth, height: image.naturalHeight,
    shown: image.getBoundingClientRect().width})))"""


def find() -> str | None:
    """The Chromium executable, or None."""
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


@dataclass
class Page:
    problems: list[str] = field(default_factory=list)   # console errors and warnings, uncaught exceptions
    images: list[dict] = field(default_factory=list)     # complete, width, height (decoded), shown (CSS px)
    fonts: dict[str, int] = field(default_factory=dict)  # font family -> glyphs drawn with it
    height: int = 0                                      # the page's full height in CSS pixels
    screenshot: Path | None = None


class _Browser:
    """One headless Chromium, spoken to over the DevTools pipe."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="dlgrade-chromium-")
        to_child, self._send = os.pipe()
        self._receive, from_child = os.pipe()
        # above the fds the shell sets, so that setting fd 3 cannot overwrite the one fd 4 copies
        to_child, from_child = (_above(fd, 10) for fd in (to_child, from_child))

        # the child's fd 3 reads our commands, its fd 4 writes its replies: set by a small Python that
        # then becomes Chromium (a POSIX shell's redirections take one-digit fds only)
        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                   "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--disable-extensions",
                   f"--user-data-dir={self.profile}", "about:blank"]
        trampoline = (f"import os, sys; os.dup2({to_child}, 3); os.dup2({from_child}, 4); "
                      f"os.execvp(sys.argv[1], sys.argv[1:])")
        self.process = subprocess.Popen(
            [sys.executable, "-c", trampoline, *command],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_child, from_child))
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, timeout: float = 30.0, **params) -> dict:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next, timeout, method)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float = 30.0) -> dict:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        return self._wait(lambda m: m.get("method") == method, timeout, method, keep=False)

    def _wait(self, wanted, timeout: float, what: str, keep: bool = True) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                if "method" in message:
                    self.events.append(message)
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium did not answer {what} in {timeout:g} s")
            chunk = os.read(self._receive, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe while waiting for {what}")
            self._buffer += chunk

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._send)
        os.close(self._receive)
        shutil.rmtree(self.profile, ignore_errors=True)


def _above(fd: int, lowest: int) -> int:
    """``fd`` moved to a number of at least ``lowest``."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, lowest)
    os.close(fd)
    return moved


def _problems(events: list[dict]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            found.append(f"console.{params['type']}: "
                         + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            found.append(f"{entry.get('source')} {entry['level']}: {entry.get('text')} {entry.get('url', '')}".strip())
    return found


def open_page(path: Path, screenshot: Path | None = None, width: int = 1280, executable: str | None = None) -> Page:
    """``path`` as headless Chromium shows it in a window ``width`` pixels wide (see the module)."""
    browser = _Browser(executable or find())
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "DOM", "CSS"):
            browser.call(f"{domain}.enable", session)
        browser.call("Emulation.setDeviceMetricsOverride", session, width=width, height=900,
                     deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", session, url=Path(path).resolve().as_uri())
        browser.wait_event("Page.loadEventFired")
        browser.call("Runtime.evaluate", session, expression="document.fonts.ready.then(() => true)",
                     awaitPromise=True)
        page = Page()
        page.images = json.loads(browser.call("Runtime.evaluate", session, expression=IMAGES,
                                              returnByValue=True)["result"]["value"])
        root = browser.call("DOM.getDocument", session, depth=-1)["root"]
        page.fonts = _fonts(browser, session, root)
        size = browser.call("Page.getLayoutMetrics", session)["cssContentSize"]
        page.height = int(size["height"])
        if screenshot is not None:
            browser.call("Emulation.setDeviceMetricsOverride", session, width=width, height=page.height,
                         deviceScaleFactor=1, mobile=False)
            shot = browser.call("Page.captureScreenshot", session, timeout=60, format="png",
                                captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            page.screenshot = screenshot
        page.problems = _problems(browser.events)
        return page
    finally:
        browser.close()


def _fonts(browser: _Browser, session: str, root: dict) -> dict[str, int]:
    """Font family -> glyphs drawn with it, over every element of the body that holds text."""
    fonts: dict[str, int] = {}

    def walk(node):
        children = node.get("children", [])
        if node.get("nodeName") not in ("STYLE", "SCRIPT", "HEAD", "TITLE") and any(
                c.get("nodeType") == 3 and c.get("nodeValue", "").strip() for c in children):
            used = browser.call("CSS.getPlatformFontsForNode", session, nodeId=node["nodeId"])["fonts"]
            for font in used:
                fonts[font["familyName"]] = fonts.get(font["familyName"], 0) + font["glyphCount"]
        if node.get("nodeName") != "HEAD":
            for child in children:
                walk(child)

    walk(root)
    return fonts
