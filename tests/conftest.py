"""Shared fixtures: the trained model, and the real servers started by scripts/run_servers.sh."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_S = 300
NURSE_TOKEN = "test-nurse-token-" + os.urandom(8).hex()
RESULTS_DIR = PROJECT_ROOT / os.environ.get("RESULTS_DIR", "var/results")
SCREENSHOT_DIR = RESULTS_DIR / "screenshots"


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


def triage_of(messages: List[dict]) -> Optional[dict]:
    """The escalation payload ({"level", "reasons", "headline", "why", "next_step"}) in a reply, if any; at most one is allowed."""
    payloads = [m["custom"]["triage"] for m in messages if isinstance(m.get("custom"), dict) and "triage" in m["custom"]]
    assert len(payloads) <= 1, messages
    return payloads[0] if payloads else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class RunningAssistant:
    process: subprocess.Popen
    rasa_port: int
    action_port: int
    web_port: int
    tracker_db: Path
    log_file: Path

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def send(self, sender: str, message: str) -> List[dict]:
        """Post one message over the REST channel and return the bot's messages."""
        reply = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGINT, timeout_s: float = 60) -> None:
        """Stop the servers as Ctrl-C in a terminal would: a signal to the whole group."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_assistant(model: str, workdir: Path, **env_overrides: str) -> RunningAssistant:
    """scripts/run_servers.sh on free ports with a fresh SQLite store; env_overrides change any
    setting (SERVERS="rasa" and ACTION_PORT add a Rasa server to another one's action server)."""
    action_port = int(env_overrides.pop("ACTION_PORT", 0)) or free_port()
    rasa_port, web_port = free_port(), free_port()
    tracker_db = workdir / "tracker.db"
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{tracker_db}",
        RASA_TELEMETRY_ENABLED="false",
        NURSE_TOKEN=NURSE_TOKEN,
    )
    env.update(env_overrides)
    servers = env.get("SERVERS", "actions rasa web").split()
    health_urls = {
        "rasa": f"http://127.0.0.1:{rasa_port}",
        "actions": f"http://127.0.0.1:{action_port}/health",
        "web": f"http://127.0.0.1:{web_port}/health",
    }
    log_file = workdir / "servers.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / "scripts" / "run_servers.sh"), model],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    assistant = RunningAssistant(process, rasa_port, action_port, web_port, tracker_db, log_file)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Servers exited early:\n{assistant.log_tail()}")
        try:
            if all(requests.get(health_urls[name], timeout=2).ok for name in servers):
                return assistant
        except requests.ConnectionError:
            pass
        time.sleep(1)
    assistant.stop(signal.SIGKILL)
    pytest.fail(f"Servers did not start within {SERVER_START_TIMEOUT_S}s:\n{assistant.log_tail()}")


@pytest.fixture(scope="module")
def assistant(model_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    running = start_assistant(model_path, tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


# Debian's Chromium, never a browser downloaded by Playwright. The flags keep it from
# calling home, which this machine's closed network (and many clinics') refuses.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser():
    # Per module: Playwright's sync API keeps an event loop running, which breaks asyncio.run()
    # in later modules (Rasa loads models with it).
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make browser` installs Debian's chromium."
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
