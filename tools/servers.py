"""Starts the real servers (tools/run_servers.sh) on free ports, for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

from core.paths import PROJECT_ROOT

SERVER_START_TIMEOUT_S = 300
# The web server's own environment (webapp/requirements.txt); the Makefile sets WEB_VENV.
WEB_VENV = PROJECT_ROOT / os.environ.get("WEB_VENV", ".venv-web")
NURSE_TOKEN = "test-nurse-token-" + os.urandom(8).hex()
# The accounts each test web server starts with (webapp/accounts.py): name, role, password.
STAFF = {
    "nurse": ("Nora Quinn", "nurse", "nurse-pass-" + os.urandom(8).hex()),
    "clinician": ("Ann Lee", "clinician", "clinician-pass-" + os.urandom(8).hex()),
}


class ServersDidNotStart(RuntimeError):
    pass


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
    review_db: Path  # the nurses' inbox decisions
    api_token: str  # RASA_API_TOKEN, which Rasa's HTTP API asks for

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def model_server(self) -> str:
        """Its Rasa server, as tools.holdout reads a model: the URL with the API token."""
        return f"{self.rasa_url}?{urlencode({'token': self.api_token})}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def send(self, sender: str, message: str) -> list[dict]:
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


def add_staff_accounts(env: dict[str, str]) -> None:
    """STAFF's accounts in the review database of `env`, with the real command
    (`python -m webapp.accounts add`) in the web server's environment."""
    for name, role, password in STAFF.values():
        added = subprocess.run(
            [str(WEB_VENV / "bin" / "python"), "-m", "webapp.accounts", "add"]
            + ["--name", name, "--role", role],
            cwd=PROJECT_ROOT,
            env={**env, "STAFF_PASSWORD": password},
            capture_output=True,
            text=True,
        )
        if added.returncode != 0 and "already an account" not in added.stderr:
            raise ServersDidNotStart(f"Could not add {name}'s account: {added.stderr}")


def start_assistant(model: str, workdir: Path, **env_overrides: str) -> RunningAssistant:
    """tools/run_servers.sh on free ports with fresh SQLite stores (conversations, and the
    nurses' inbox decisions); env_overrides change any setting (SERVERS="rasa" and ACTION_PORT
    add a Rasa server to another one's action server; WEB_PORT picks the page's port, for a
    CORS_ORIGINS naming it; RASA_PORT, for a RASA_SERVER_URLS naming it)."""
    action_port = int(env_overrides.pop("ACTION_PORT", 0)) or free_port()
    web_port = int(env_overrides.pop("WEB_PORT", 0)) or free_port()
    rasa_port = int(env_overrides.pop("RASA_PORT", 0)) or free_port()
    tracker_db = workdir / "tracker.db"
    # As make run does, a random token unless one is given; the tests are told it.
    api_token = env_overrides.pop("RASA_API_TOKEN", "") or secrets.token_hex(12)
    env = dict(
        os.environ,
        RASA_API_TOKEN=api_token,
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WEB_PORT=str(web_port),
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        TRACKER_STORE_URL=f"sqlite:///{tracker_db}",
        REVIEW_DB_URL=f"sqlite:///{workdir / 'review.db'}",
        NURSE_TOKEN=NURSE_TOKEN,
    )
    env.update(env_overrides)
    servers = env.get("SERVERS", "actions rasa web").split()
    if "web" in servers:
        add_staff_accounts(env)
    health_urls = {
        "rasa": f"http://127.0.0.1:{rasa_port}",
        "actions": f"http://127.0.0.1:{action_port}/health",
        "web": f"http://127.0.0.1:{web_port}/health",
    }
    log_file = workdir / "servers.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / "tools" / "run_servers.sh"), model],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    assistant = RunningAssistant(
        process,
        rasa_port,
        action_port,
        web_port,
        tracker_db,
        log_file,
        workdir / "review.db",
        api_token,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServersDidNotStart(f"Servers exited early:\n{assistant.log_tail()}")
        try:
            if all(requests.get(health_urls[name], timeout=2).ok for name in servers):
                return assistant
        except requests.ConnectionError:
            pass
        time.sleep(1)
    assistant.stop(signal.SIGKILL)
    raise ServersDidNotStart(
        f"Servers did not start within {SERVER_START_TIMEOUT_S}s:\n{assistant.log_tail()}"
    )
