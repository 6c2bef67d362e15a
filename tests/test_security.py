"""A locked-down deployment, checked on the running servers: CORS, the HTTP API, the action
server's address and errors, telemetry, and no secrets in the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import requests
import yaml
from conftest import NURSE_TOKEN, PROJECT_ROOT, STAFF, RunningAssistant
from pages import signed_in

from tools.servers import WEB_VENV

# The shared servers: what is checked holds whatever other modules sent them.
pytestmark = pytest.mark.shares_servers

PLANTED_EMAIL = "planted.patient@example.org"


def test_browsers_may_call_the_rasa_server_only_from_the_clinic_page(assistant: RunningAssistant):
    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    page_origin = f"http://127.0.0.1:{assistant.web_port}"
    for origin, allowed in [(page_origin, True), ("http://evil.example", False), ("null", False)]:
        preflight = requests.options(
            url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10
        )
        post = requests.post(
            url,
            json={"sender": "cors-check", "message": "hi"},
            headers={"Origin": origin},
            timeout=30,
        )
        for reply in (preflight, post):
            assert (reply.headers.get("Access-Control-Allow-Origin") == origin) is allowed, (
                origin,
                reply.headers,
            )
            assert reply.headers.get("Access-Control-Allow-Origin") != "*"


def test_rasas_http_api_refuses_calls_without_its_token(assistant: RunningAssistant):
    """make run turns the API on for publishing (PUT /model), behind a random token only its
    own servers know."""
    for method, path in [
        ("post", "/model/parse"),
        ("put", "/model"),
        ("get", "/conversations/x/tracker"),
        ("post", "/conversations/x/tracker/events"),
        ("get", "/status"),
        ("get", "/domain"),
    ]:
        reply = requests.request(method, f"{assistant.rasa_url}{path}", json={}, timeout=10)
        assert reply.status_code == 401, (path, reply.status_code)
        reply = requests.request(
            method, f"{assistant.rasa_url}{path}", params={"token": ""}, json={}, timeout=10
        )
        assert reply.status_code == 401, (path, reply.status_code)


def test_models_load_from_disk_only():
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert "models" not in endpoints, "a model server would download models over the network"
    run_script = (PROJECT_ROOT / "tools" / "run_servers.sh").read_text()
    assert '--model "$model"' in run_script and "--remote-storage" not in run_script


def test_the_api_requires_its_token_and_no_process_shows_it(assistant: RunningAssistant):
    token = assistant.api_token
    status = f"{assistant.rasa_url}/status"
    assert requests.get(status, timeout=10).status_code == 401
    assert requests.get(status, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(status, params={"token": token}, timeout=10).status_code == 200
    assert token not in assistant.log_file.read_text(errors="replace")
    for pid in _pids_of(assistant):
        assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes(), (
            "every local user can read it in ps"
        )
    assert token in _environment_of(_server_pid(assistant, b"rasa_addons\0run")).values()


def _listening_addresses(port: int):
    """Local addresses with a socket listening on `port`, from /proc/net/tcp{,6}."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                addresses.add(address)
    return addresses


def test_the_action_server_listens_on_loopback_only(assistant: RunningAssistant):
    assert _listening_addresses(assistant.action_port) == {"0100007F"}, "expected 127.0.0.1 only"


def test_action_server_errors_do_not_echo_the_conversation(assistant: RunningAssistant):
    webhook = f"{assistant.action_url}/webhook"
    broken = requests.post(
        webhook,
        data='{"tracker": "' + PLANTED_EMAIL,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    unknown = requests.post(
        webhook,
        json={
            "next_action": "no_such_action",
            "tracker": {"latest_message": {"text": PLANTED_EMAIL}},
        },
        timeout=10,
    )
    for reply in (broken, unknown):
        assert 400 <= reply.status_code < 500 and PLANTED_EMAIL not in reply.text, reply.text


def test_a_failing_action_apologises_instead_of_failing(assistant: RunningAssistant):
    call = {
        "next_action": "action_answer_after_red_flag",
        "sender_id": "broken-action",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "broken-action",
            "slots": {},
            "events": [],
            "paused": False,
            "active_loop": {},
            # A response selector that is not a mapping makes the action fail once it reads the
            # answer, which it does for a message that asks a question.
            "latest_message": {
                "text": f"how long does a ductogram take? mail me at {PLANTED_EMAIL}",
                "red_flags": {"original_intent": "faq"},
                "response_selector": "broken",
            },
        },
    }
    reply = requests.post(f"{assistant.action_url}/webhook", json=call, timeout=10)
    assert reply.status_code == 200, reply.text
    assert PLANTED_EMAIL not in reply.text
    [message] = reply.json()["responses"]
    assert "please see your doctor" in message["text"]
    assert PLANTED_EMAIL not in assistant.log_file.read_text(errors="replace")


def _environment_of(pid: int) -> dict:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


def _pids_of(running: RunningAssistant) -> list:
    group = os.getpgid(running.process.pid)
    return [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-g", str(group)], capture_output=True, text=True
        ).stdout.split()
    ]


def _server_pid(running: RunningAssistant, command: bytes) -> int:
    """The one process of `running` whose command line holds `command`."""
    (pid,) = [
        pid for pid in _pids_of(running) if command in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    return pid


def _gzip_bomb(unpacked_mb: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    chunk = b"\0" * (1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(unpacked_mb)) + packer.flush()


def _peak_memory_mb(pid: int) -> float:
    (line,) = [
        line
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmHWM")
    ]
    return int(line.split()[1]) / 1024


def test_a_compressed_request_body_is_refused_before_it_is_unpacked(assistant: RunningAssistant):
    """aiohttp 3.9 unpacks a gzip body before checking its size (CVE-2025-69223): 0.5 MB took the
    web server from 43 MB to 559 MB. The web server refuses such bodies unopened."""
    bomb = _gzip_bomb(256)
    web_server = _server_pid(assistant, b"webapp.server")
    before = _peak_memory_mb(web_server)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"}
    for method, path in (("POST", "/nurse/sign-in"), ("GET", "/")):
        refused = requests.request(
            method, f"{assistant.web_url}{path}", data=bomb, headers=headers, timeout=30
        )
        assert refused.status_code == 415, (path, refused.status_code)
    assert _peak_memory_mb(web_server) - before < 64, "the body was unpacked"
    assert requests.get(f"{assistant.web_url}/", timeout=10).status_code == 200

    # The Rasa server (Sanic) does not unpack bodies: the same bomb is malformed JSON to it.
    reply = requests.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 400
    assert assistant.send("after-bomb", "what is a ductogram?")


def test_the_web_server_runs_in_its_own_environment_on_a_current_aiohttp(
    assistant: RunningAssistant,
):
    """Rasa holds aiohttp below 3.10, and 3.9.5 has advisories a public server meets (pipelined
    requests, header sizes, multipart limits, FileResponse handles, several Host headers). The web
    server runs from WEB_VENV instead, on aiohttp 3.14.1 or later, with its C parser (the
    request-smuggling advisories concern the pure-Python one)."""
    web_server = _server_pid(assistant, b"webapp.server")
    executable = Path(f"/proc/{web_server}/cmdline").read_bytes().split(b"\0")[0].decode()
    assert Path(executable).parent.parent.resolve() == WEB_VENV.resolve(), executable
    assert "AIOHTTP_NO_EXTENSIONS" not in _environment_of(web_server)
    probe = (
        "import aiohttp, sqlalchemy; from aiohttp import web_protocol as w; "
        "print(aiohttp.__version__, sqlalchemy.__version__, w.HttpRequestParser.__module__)"
    )
    aiohttp_version, sqlalchemy_version, parser = subprocess.run(
        [executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert tuple(int(part) for part in aiohttp_version.split(".")[:3]) >= (3, 14, 1)
    assert sqlalchemy_version.startswith("2.")
    assert parser == "aiohttp._http_parser"
    rasa_free = subprocess.run([executable, "-c", "import rasa"], capture_output=True, text=True)
    assert rasa_free.returncode != 0, "the web server's environment must not hold Rasa"


def test_telemetry_is_off_in_every_server(assistant: RunningAssistant):
    servers = [
        pid for pid in _pids_of(assistant) if b"python" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert len(servers) >= 3, "expected the action, Rasa and web servers"
    assert all(_environment_of(pid).get("RASA_TELEMETRY_ENABLED") == "false" for pid in servers)


# A private key, a key-like value (12+ letters and digits, both) assigned to a password, token,
# secret or key, or a password inside a URL other than the examples' placeholders.
SECRET_PATTERNS = [
    re.compile(r"(?P<value>-----BEGIN [A-Z ]*PRIVATE KEY-----)"),
    re.compile(
        r"(?i)(password|passwd|token|secret|api_?key)\w*[\"']?\s*[:=]\s*[\"']?(?P<value>(?=[^\s\"']*\d)(?=[^\s\"']*[A-Za-z])[A-Za-z0-9+/_.-]{12,})"
    ),
    re.compile(r"[a-z+]+://[^:/\s]+:(?P<value>(?!pw@|password@|<password>@|\$)[^@\s]+)@"),
]


def test_no_secret_is_committed():
    files = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert files, "not a git checkout"
    found = []
    for name in files:
        path = PROJECT_ROOT / name
        # This file holds the patterns themselves.
        if (
            name in ("tests/test_security.py",)
            or name.endswith(("package-lock.json", ".svg", ".png"))
            or not path.is_file()
        ):
            continue
        text = path.read_text(errors="replace")
        found += [
            f"{name}: {match.group(0)[:60]}"
            for pattern in SECRET_PATTERNS
            for match in pattern.finditer(text)
        ]
    assert not found, found


@pytest.mark.parametrize(
    "setting",
    ["NURSE_TOKEN", "NURSE_SESSION_SECRET", "TRACKER_STORE_URL", "REVIEW_DB_URL", "CORS_ORIGINS"],
)
def test_secrets_and_sites_are_documented_settings(setting):
    assert f"`{setting}`" in (PROJECT_ROOT / "docs" / "settings.md").read_text()


def test_the_nurses_token_and_passwords_are_never_logged(assistant: RunningAssistant):
    wrong = "planted-wrong-token-" + os.urandom(4).hex()
    name, _, password = STAFF["nurse"]
    requests.get(
        f"{assistant.web_url}/nurse", headers={"Authorization": f"Bearer {NURSE_TOKEN}"}, timeout=30
    )
    requests.get(
        f"{assistant.web_url}/nurse", headers={"Authorization": f"Bearer {wrong}"}, timeout=30
    )
    for given in (password, wrong):
        requests.post(
            f"{assistant.web_url}/nurse/sign-in",
            data={"name": name, "password": given},
            allow_redirects=False,
            timeout=30,
        )
    log = assistant.log_file.read_text(errors="replace")
    assert NURSE_TOKEN not in log and wrong not in log and password not in log


def test_the_nurses_token_is_compared_in_constant_time_and_passwords_with_argon2():
    source = (PROJECT_ROOT / "webapp" / "nurse.py").read_text()
    plain_comparisons = [
        line
        for line in source.splitlines()
        if re.search(r"token|password", line) and re.search(r"[=!]=", line)
    ]
    assert not plain_comparisons, plain_comparisons
    assert "hmac.compare_digest(" in source
    accounts = (PROJECT_ROOT / "webapp" / "accounts.py").read_text()
    assert "HASHER.verify(" in accounts and "from argon2 import PasswordHasher" in accounts


def test_the_session_cookie_is_aiohttp_sessions_encrypted_one(assistant: RunningAssistant):
    name, _, password = STAFF["clinician"]
    signed_in = requests.post(
        f"{assistant.web_url}/nurse/sign-in",
        data={"name": name, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    value = signed_in.cookies["nurse_session"]  # quoted: it holds "="
    token = value.strip('"')
    assert token.startswith("gAAAAA"), "a Fernet token (aiohttp-session's EncryptedCookieStorage)"
    tampered = token[:-10] + ("B" if token[-10] == "A" else "A") + token[-9:]
    for cookie in (tampered, token[: len(token) // 2]):
        reply = requests.get(
            f"{assistant.web_url}/nurse/proposals",
            cookies={"nurse_session": f'"{cookie}"'},
            timeout=30,
        )
        assert reply.status_code == 401
    ok = requests.get(
        f"{assistant.web_url}/nurse/proposals", cookies={"nurse_session": value}, timeout=30
    )
    assert ok.status_code == 200 and f"{name}, clinician" in ok.text


def test_a_sign_in_from_another_site_is_refused(assistant: RunningAssistant):
    name, _, password = STAFF["nurse"]
    reply = requests.post(
        f"{assistant.web_url}/nurse/sign-in",
        data={"name": name, "password": password},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 403 and "Set-Cookie" not in reply.headers


# The nurses' pages run no script; the answer editor's run one file of this site's (the live
# checks, webapp/static/answer-checks.js), which posts only here: no inline script, no eval.
NURSE_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
ANSWER_EDITOR_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def test_nurse_pages_run_no_script_but_the_answer_editors_own_file(assistant: RunningAssistant):
    signed_out = requests.get(f"{assistant.web_url}/nurse", timeout=30)
    assert signed_out.status_code == 401
    assert signed_out.headers["Content-Security-Policy"] == NURSE_PAGE_POLICY
    nurse = signed_in(assistant, "nurse")
    for path in (
        "/nurse",
        "/nurse/inbox",
        "/nurse/answers",
        "/nurse/proposals",
        "/nurse/callbacks",
    ):
        reply = nurse.get(f"{assistant.web_url}{path}", timeout=30)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Security-Policy"] == NURSE_PAGE_POLICY, path
        assert "<script" not in reply.text, path
    for path in ("/nurse/answers/ductogram_duration", "/nurse/answers/new"):
        reply = nurse.get(f"{assistant.web_url}{path}", timeout=30)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Security-Policy"] == ANSWER_EDITOR_POLICY, path
        assert re.findall(r"<script\b[^>]*>", reply.text) == [
            '<script src="/nurse/static/answer-checks.js" defer>'
        ], path
    script = nurse.get(f"{assistant.web_url}/nurse/static/answer-checks.js", timeout=30)
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "eval(" not in script.text and "new Function" not in script.text
    assert "innerHTML" not in script.text, "problems are shown as text"


@pytest.mark.parametrize(
    "constraints, python",
    [
        ("constraints.txt", Path(sys.executable)),
        ("webapp/constraints.txt", WEB_VENV / "bin" / "python"),
    ],
    ids=["rasa", "web"],
)
def test_every_installed_package_is_the_pinned_version_and_pip_check_is_clean(constraints, python):
    pins = {}
    for line in (PROJECT_ROOT / constraints).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned to one version: {line}"
            pins[name.lower().replace("_", "-")] = version
    pip = [str(python), "-m", "pip"]
    frozen = subprocess.run(
        pip + ["freeze", "--all", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    installed = {
        n.lower().replace("_", "-"): v
        for n, _, v in (line.partition("==") for line in frozen.splitlines() if "==" in line)
    }
    assert {name: installed.get(name) for name in pins if installed.get(name) != pins[name]} == {}
    if constraints == "constraints.txt":
        assert pins["rasa"] == "3.6.21", "3.6.21 has the fix for CVE-2024-49375"
        assert pins["python-socketio"] == "5.16.2", "clears CVE-2026-48804 and CVE-2025-61765"
    else:
        assert "rasa" not in pins
        assert tuple(int(part) for part in pins["aiohttp"].split(".")[:3]) >= (3, 14, 1)
    check = subprocess.run(pip + ["check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_the_script_token_cannot_read_the_call_back_queue(assistant: RunningAssistant):
    """The queue shows phone numbers in full: people only, signed in with their own account."""
    bearer = {"Authorization": f"Bearer {NURSE_TOKEN}"}
    assert requests.get(f"{assistant.web_url}/nurse", headers=bearer, timeout=30).status_code == 200
    queue = requests.get(f"{assistant.web_url}/nurse/callbacks", headers=bearer, timeout=30)
    assert queue.status_code == 403 and "sign in" in queue.text
