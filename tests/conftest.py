"""Shared fixtures: the trained model, and the real servers started by tools/run_servers.sh."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tools.servers import (  # noqa: F401  (re-exported for the test modules)
    NURSE_TOKEN,
    PROJECT_ROOT,
    STAFF,
    RunningAssistant,
    ServersDidNotStart,
    free_port,
    port_is_open,
)
from tools.servers import (
    start_assistant as _start_servers,
)

RESULTS_DIR = PROJECT_ROOT / os.environ.get("RESULTS_DIR", "var/results")
SCREENSHOT_DIR = RESULTS_DIR / "screenshots"
# The modules that take minutes (a publication's training, server restarts, PostgreSQL) start
# first: `make test` runs modules on parallel workers, and one started last would run alone.
SLOW_MODULES = ("test_publishing.py", "test_faults.py", "test_scale.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow modules first; every module keeps its tests' order (some build on each other)."""

    def slowness(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_MODULES.index(name) if name in SLOW_MODULES else len(SLOW_MODULES)

    items.sort(key=slowness)


@pytest.fixture(scope="session")
def model_path() -> str:
    """The model `make` just trained (MODEL), else the newest one in models/."""
    model = os.environ.get("MODEL")
    if not model:
        models = sorted((PROJECT_ROOT / "models").glob("assistant-*.tar.gz"), key=os.path.getmtime)
        assert models, "No trained model: run `make train` (make test trains first)."
        model = str(models[-1])
    assert (PROJECT_ROOT / model).exists(), f"{model} does not exist: run `make train`."
    return str(PROJECT_ROOT / model)


def triage_of(messages: list[dict]) -> dict | None:
    """The escalation payload ({"level", "reasons", "headline", "why", "next_step"}) in a reply,
    if any; at most one is allowed."""
    payloads = [
        m["custom"]["triage"]
        for m in messages
        if isinstance(m.get("custom"), dict) and "triage" in m["custom"]
    ]
    assert len(payloads) <= 1, messages
    return payloads[0] if payloads else None


def click(reply: list[dict], title: str) -> str:
    """The payload of the button titled `title` in a reply, as a patient's tap sends it."""
    buttons = [b for m in reply for b in m.get("buttons") or []]
    [button] = [b for b in buttons if b["title"] == title]
    return button["payload"]


def start_assistant(model: str, workdir: Path, **env_overrides: str) -> RunningAssistant:
    try:
        return _start_servers(model, workdir, **env_overrides)
    except ServersDidNotStart as error:
        pytest.fail(str(error))


class ClinicSiteElsewhere:
    """A clinic's own page on another origin, with docs/widget.md's snippet pasted in once the
    assistant is up. "localhost", not 127.0.0.1: a different origin from the assistant's servers."""

    def __init__(self) -> None:
        self.snippet = ""
        site = self

        class ClinicPage(BaseHTTPRequestHandler):
            def do_GET(self):
                page = (
                    "<!doctype html><html lang='en'><head><title>Hillside Clinic</title></head>"
                    f"<body><h1>Hillside</h1>{site.snippet}</body></html>"
                )
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ClinicPage)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.server.server_port}/"
        self.origin = self.url.rstrip("/")

    def paste_snippet(self, assistant: RunningAssistant) -> None:
        self.snippet = (
            f'<script src="{assistant.web_url}/assistant-widget.js" data-rasa-url="{assistant.rasa_url}" '
            'data-clinic-name="Hillside Clinic" data-clinic-phone="+44 20 7946 0000" '
            'data-clinic-hours="Weekdays 9 to 5" data-emergency-number="999"></script>'
        )


@pytest.fixture(scope="session")
def clinic_site_elsewhere() -> Iterator[ClinicSiteElsewhere]:
    site = ClinicSiteElsewhere()
    yield site
    site.server.shutdown()


@pytest.fixture(scope="session")
def shared_assistant(
    model_path: str,
    tmp_path_factory: pytest.TempPathFactory,
    clinic_site_elsewhere: ClinicSiteElsewhere,
) -> Iterator[RunningAssistant]:
    """The servers the `shares_servers` modules share, with CORS open to their own page and to a
    clinic's page on another origin (tests/test_web_page.py pastes the widget there)."""
    web_port = free_port()
    running = start_assistant(
        model_path,
        tmp_path_factory.mktemp("shared-assistant"),
        WEB_PORT=str(web_port),
        CORS_ORIGINS=(
            f"http://127.0.0.1:{web_port} http://localhost:{web_port} "
            f"{clinic_site_elsewhere.origin}"
        ),
    )
    clinic_site_elsewhere.paste_snippet(running)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def assistant(
    request: pytest.FixtureRequest, model_path: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    """The three servers with fresh stores, for this module alone; or, in a module marked
    `shares_servers` (its tests only talk to them, each in its own conversation), the servers
    those modules share: a start takes about 40 s."""
    if request.node.get_closest_marker("shares_servers"):
        yield request.getfixturevalue("shared_assistant")
        return
    running = start_assistant(model_path, tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


# Debian's Chromium, never a browser downloaded by Playwright. The flags keep it from
# calling home, which this machine's closed network (and many clinics') refuses.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser():
    # Per module: Playwright's sync API keeps an event loop running, which breaks asyncio.run()
    # in later modules (Rasa loads models with it).
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: `make browser` installs Debian's chromium."
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
