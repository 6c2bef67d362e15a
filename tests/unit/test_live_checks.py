"""The answer editor's live checks (/nurse/answers/check, webapp/static/answer-checks.js): the
same problems as the Check button, in the same words, as JSON; malformed forms get a 400 with
the reason; only a signed-in nurse or clinician, from this site, gets an answer; nothing is
stored. Also the editor pages' Content-Security-Policy, which lets that one script run.

webapp/nurse.py needs aiohttp-session, which only the web server's environment has (WEB_VENV):
the requests and the helpers run there, on a real aiohttp test server without a model, and
this module checks what they gave."""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from core.copying import FINGERPRINTS_FILE, fingerprints_of
from core.review import editor
from tools.servers import PROJECT_ROOT, WEB_VENV

TOPICS = editor.published_topics()
KEY = "utter_faq/ductogram_duration"
TOPIC = TOPICS[KEY]
GRADE_12 = (
    "Galactography necessitates cannulation of the secreting lactiferous duct, subsequently "
    "administering iodinated radiocontrast, facilitating comprehensive visualisation."
)
# Made up for the test: stands in for a run of the source documents (SEED_FINGERPRINTS_FILE).
MADE_UP_SOURCE = "the little radiographer carefully warmed seven purple blankets before lunch"
NAME, PASSWORD = "Kim Nurse", "long enough pass phrase"
TOKEN = "unit-test-token-" + "x" * 20
EDITOR_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NO_SCRIPT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def form_of(**changes) -> list[tuple[str, str]]:
    """The editor's form for KEY as the browser posts it (sources repeat), with `changes`."""
    fields = {
        "topic": KEY[len(editor.ANSWER) :],
        "title": TOPIC.title,
        "text": TOPIC.text,
        "examples": "\n".join(TOPIC.examples),
        "why": "",
    } | {name: value for name, value in changes.items() if name != "sources"}
    sources = changes.get("sources", [f"{r.document}/{r.section}" for r in TOPIC.sources])
    return list(fields.items()) + [("sources", value) for value in sources]


def another_topics_example() -> str:
    return next(e for key, t in TOPICS.items() if key != KEY for e in t.examples)


# Each kind of problem the Check button finds, and one edit that passes.
CASES = {
    "passes": form_of(),
    "grade_12": form_of(text=GRADE_12),
    "bare_yes": form_of(text="Yes. It takes about half an hour, and you can go home after."),
    "too_long": form_of(text=" ".join(["It takes about half an hour."] * 14)),
    "copied": form_of(text=f"Before the test, {MADE_UP_SOURCE}. It takes half an hour."),
    "no_source": form_of(sources=[]),
    "few_examples": form_of(examples="\n".join(TOPIC.examples[:5])),
    "shared_example": form_of(examples="\n".join([*TOPIC.examples, another_topics_example()])),
    "no_topic": form_of(topic="not_a_topic_here"),
    "no_answer": form_of(text="   "),
}
WORDS_OF = {  # what each case's problem says
    "grade_12": "reads at school grade",
    "bare_yes": "starts with yes or no",
    "too_long": "the most is 70",
    "copied": f'copied run of 10 words: "{MADE_UP_SOURCE}"',
    "no_source": "source",
    "few_examples": "example",
    "shared_example": another_topics_example(),
    "no_topic": "Please pick a topic from the list.",
    "no_answer": "Please write the answer.",
}

SERVER_SCRIPT = """
import asyncio, json, sys
import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from webapp.nurse import ACCOUNTS_KEY
from webapp.server import create_app
from webapp.settings import load_settings

spec = json.load(sys.stdin)


async def send(client, here, request):
    headers = {k: v.replace("{here}", here) for k, v in request.get("headers", {}).items()}
    kwargs = {"headers": headers, "allow_redirects": False}
    if "form" in request:
        kwargs["data"] = [tuple(pair) for pair in request["form"]]
    elif "json" in request:
        kwargs["json"] = request["json"]
    elif "raw" in request:
        kwargs["data"] = request["raw"].encode("latin-1")
    elif "file" in request:
        data = aiohttp.FormData()
        for name, value in request["file"]:
            data.add_field(name, value.encode(), filename="answer.txt")
        kwargs["data"] = data
    reply = await client.request(request.get("method", "POST"), request["path"], **kwargs)
    return {"status": reply.status, "headers": dict(reply.headers), "text": await reply.text()}


async def main():
    app = create_app(load_settings())
    app[ACCOUNTS_KEY].add(spec["name"], "nurse", spec["password"])
    replies = {}
    async with TestClient(TestServer(app)) as client:
        here = f"http://{client.server.host}:{client.server.port}"
        for name, request in spec["signed_out"].items():
            replies[name] = await send(client, here, request)
        signed_in = await client.post(
            "/nurse/sign-in", data={"name": spec["name"], "password": spec["password"]},
            headers={"Origin": here}, allow_redirects=False)
        assert signed_in.status == 303, signed_in.status
        for name, request in spec["signed_in"].items():
            replies[name] = await send(client, here, request)
    print(json.dumps(replies))


asyncio.run(main())
"""

HELPERS_SCRIPT = """
import json, sys
from core.content import faq_titles
from core.copying import load_fingerprints
from core.review import editor
from core.sources import load_registry
from webapp.nurse import MalformedForm, check_summary, edit_form, edit_problems, live_check_form
from multidict import MultiDict

spec = json.load(sys.stdin)
topics, registry, prints = editor.published_topics(), load_registry(), load_fingerprints()
titles = faq_titles()
out = {"problems": {}, "by_hand": {}, "proposing": {}, "malformed": {}, "summaries": {}}
for name, pairs in spec["cases"].items():
    form = edit_form(MultiDict(pairs))
    out["problems"][name] = edit_problems(form, topics, registry, prints)[1]
    out["proposing"][name] = edit_problems(form, topics, registry, prints, proposing=True)[1]
    # The checks one by one, as core/review/editor.py has them.
    edit, problems = editor.read_edit(form, topics)
    problems = problems or editor.check_edit(edit, topics, registry, prints)
    out["by_hand"][name] = [editor.in_nurses_words(p, titles) for p in problems]
for name, (content_type, pairs) in spec["malformed"].items():
    try:
        live_check_form(content_type, MultiDict([tuple(p) for p in pairs]))
        out["malformed"][name] = None
    except MalformedForm as problem:
        out["malformed"][name] = str(problem)
out["blank_form"] = edit_form(MultiDict())
for n in (0, 1, 2):
    out["summaries"][n] = check_summary(["a problem"] * n)
print(json.dumps(out))
"""


def run_in_web_env(script: str, spec: dict, tmp_path: Path) -> dict:
    python = WEB_VENV / "bin" / "python"
    assert python.exists(), f"{python} is missing: `make install` creates the web environment."
    prints = json.loads(FINGERPRINTS_FILE.read_text())
    prints["documents"]["made_up_for_the_test"] = {"fingerprints": fingerprints_of(MADE_UP_SOURCE)}
    (tmp_path / "fingerprints.json").write_text(json.dumps(prints))
    keep = ("PATH", "HOME", "LANG")
    result = subprocess.run(
        [str(python), "-c", script],
        cwd=PROJECT_ROOT,
        input=json.dumps(spec),
        env={
            **{name: value for name, value in os.environ.items() if name in keep},
            "PYTHONPATH": str(PROJECT_ROOT),
            "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "REVIEW_DB_URL": f"sqlite:///{tmp_path / 'review.db'}",
            "SEED_FINGERPRINTS_FILE": str(tmp_path / "fingerprints.json"),
            "NURSE_TOKEN": TOKEN,
            "WEB_PORT": "8080",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def check(form, **extra) -> dict:
    """A live check's post from this site's page."""
    return {"path": "/nurse/answers/check", "form": form, "headers": {"Origin": "{here}"}} | extra


def check_button(form) -> dict:
    """The Check button's post (a form post that shows the page)."""
    return {
        "path": "/nurse/answers/edit",
        "form": [*form, ("action", "check")],
        "headers": {"Origin": "{here}"},
    }


@pytest.fixture(scope="module")
def replies(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("live-checks")
    signed_out = {
        "anonymous": check(form_of(text=GRADE_12)),
        "anonymous_script": {"method": "GET", "path": "/nurse/static/answer-checks.js"},
        "token": check(form_of(), headers={"Authorization": f"Bearer {TOKEN}"}),
    }
    signed_in = {f"live_{name}": check(form) for name, form in CASES.items()}
    signed_in |= {f"button_{name}": check_button(form) for name, form in CASES.items()}
    signed_in |= {
        "cross_origin": check(form_of(text=GRADE_12), headers={"Origin": "https://evil.example"}),
        "json_body": {
            "path": "/nurse/answers/check",
            "json": dict(form_of()),
            "headers": {"Origin": "{here}"},
        },
        "missing_text": check([pair for pair in form_of() if pair[0] != "text"]),
        "text_twice": check([*form_of(), ("text", "Another answer.")]),
        "not_utf8": {
            "path": "/nurse/answers/check",
            "raw": "topic=ductogram_duration&title=x&examples=x&text=\xff\xfe",
            "headers": {"Origin": "{here}", "Content-Type": "application/x-www-form-urlencoded"},
        },
        "a_file": {
            "path": "/nurse/answers/check",
            "file": form_of(),
            "headers": {"Origin": "{here}"},
        },
        "editor_page": {"method": "GET", "path": "/nurse/answers/ductogram_duration"},
        "new_topic_page": {"method": "GET", "path": "/nurse/answers/new"},
        "proposals_page": {"method": "GET", "path": "/nurse/proposals"},
        "answers_page": {"method": "GET", "path": "/nurse/answers"},
        "script": {"method": "GET", "path": "/nurse/static/answer-checks.js"},
        "no_such_file": {"method": "GET", "path": "/nurse/static/../nurse.py"},
        "unlisted_file": {"method": "GET", "path": "/nurse/static/other.js"},
    }
    spec = {"name": NAME, "password": PASSWORD, "signed_out": signed_out, "signed_in": signed_in}
    found = run_in_web_env(SERVER_SCRIPT, spec, tmp_path)
    with closing(sqlite3.connect(tmp_path / "review.db")) as db:
        found["stored_edits"] = db.execute("SELECT COUNT(*) FROM answer_edits").fetchone()[0]
    return found


def page_problems(page: str) -> list[str]:
    """The problems the Check button's page lists."""
    listed = re.search(r'<ul class="problems">(.*?)</ul>', page, re.S)
    items = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S) if listed else []
    return [html.unescape(item) for item in items]


@pytest.mark.parametrize("case", sorted(CASES))
def test_live_checks_find_what_the_check_button_finds_in_the_same_words(replies, case):
    live, button = replies[f"live_{case}"], replies[f"button_{case}"]
    assert live["status"] == 200, live["text"]
    assert live["headers"]["Content-Type"].startswith("application/json")
    assert live["headers"]["Cache-Control"] == "no-store"
    answer = json.loads(live["text"])
    assert answer["problems"] == page_problems(button["text"])
    if case == "passes":
        assert answer == {"problems": [], "summary": "All checks pass."}
        assert button["status"] == 200 and "Every check passed" in button["text"]
    else:
        assert button["status"] == 400
        assert answer["problems"], "a problem was expected"
        assert any(WORDS_OF[case] in problem for problem in answer["problems"])
        count = len(answer["problems"])
        assert answer["summary"] == f"Not yet: {count} thing{'' if count == 1 else 's'} to fix."


def test_problems_name_topics_by_their_titles(replies):
    [problem] = json.loads(replies["live_grade_12"]["text"])["problems"]
    assert problem.startswith(f"“{TOPIC.title}” reads at school grade")
    assert "utter_faq/" not in problem and "Use shorter sentences" in problem


@pytest.mark.parametrize(
    "case, reason",
    [
        ("json_body", "application/x-www-form-urlencoded"),
        ("missing_text", "The form has no text field"),
        ("text_twice", "The field text must be sent once."),
        ("not_utf8", "send it as UTF-8 text"),
        ("a_file", "must be text, not a file"),
    ],
)
def test_a_malformed_form_gets_a_400_with_the_reason(replies, case, reason):
    reply = replies[case]
    assert reply["status"] == 400
    assert reply["headers"]["Content-Type"].startswith("application/json")
    assert reason in json.loads(reply["text"])["error"]


def test_only_a_signed_in_nurse_from_this_site_gets_an_answer(replies):
    anonymous = replies["anonymous"]
    assert anonymous["status"] == 401 and "reads at school grade" not in anonymous["text"]
    assert "Sign in" in anonymous["text"]
    token = replies["token"]  # the token reads only: it posts nothing
    assert token["status"] == 403 and "problems" not in token["text"]
    elsewhere = replies["cross_origin"]
    assert elsewhere["status"] == 403 and "problems" not in elsewhere["text"]
    assert replies["anonymous_script"]["status"] == 401


def test_nothing_is_stored(replies):
    assert replies["stored_edits"] == 0


def test_the_script_is_served_from_this_site_with_its_type_and_cache_headers(replies):
    script = replies["script"]
    assert script["status"] == 200
    assert script["headers"]["Content-Type"] == "text/javascript; charset=utf-8"
    assert script["headers"]["Cache-Control"] == "private, no-cache"
    assert script["headers"]["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in script["headers"] or "Etag" in script["headers"]
    on_disk = (PROJECT_ROOT / "webapp" / "static" / "answer-checks.js").read_text()
    assert script["text"] == on_disk
    assert replies["no_such_file"]["status"] == 404
    assert replies["unlisted_file"]["status"] == 404


@pytest.mark.parametrize("page", ["editor_page", "new_topic_page"])
def test_the_editor_pages_run_this_sites_script_and_nothing_else(replies, page):
    reply = replies[page]
    assert reply["status"] == 200
    assert reply["headers"]["Content-Security-Policy"] == EDITOR_POLICY
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", reply["text"], re.S)
    assert scripts == [""], "one script, from a file, none inline"
    assert '<script src="/nurse/static/answer-checks.js" defer></script>' in reply["text"]
    assert re.search(r'<div id="live-checks" aria-live="polite"[^>]*></div>', reply["text"])
    assert 'value="check">Check</button>' in reply["text"], "the Check button stays"
    tags = re.findall(r"<[^>]+>", reply["text"])
    assert not [tag for tag in tags if re.search(r"\son\w+\s*=", tag)], "no inline handler"
    assert "javascript:" not in reply["text"]


@pytest.mark.parametrize("page", ["proposals_page", "answers_page"])
def test_the_other_nurse_pages_run_no_script(replies, page):
    reply = replies[page]
    assert reply["status"] == 200
    assert reply["headers"]["Content-Security-Policy"] == NO_SCRIPT_POLICY
    assert "<script" not in reply["text"]


# The helpers, on their own.

MALFORMED = {
    "json": ("application/json", []),
    "text/plain": (
        "text/plain",
        [["topic", "x"], ["title", "x"], ["text", "x"], ["examples", "x"]],
    ),
    "no examples": (
        "application/x-www-form-urlencoded",
        [["topic", "x"], ["title", "t"], ["text", "x"]],
    ),
    "no fields": ("application/x-www-form-urlencoded", []),
    "why twice": (
        "application/x-www-form-urlencoded",
        [
            ["topic", "x"],
            ["title", "x"],
            ["text", "x"],
            ["examples", "x"],
            ["why", "a"],
            ["why", "b"],
        ],
    ),
    "well formed": (
        "application/x-www-form-urlencoded",
        [
            ["topic", "x"],
            ["title", "x"],
            ["text", "x"],
            ["examples", "x"],
            ["sources", "a/b"],
            ["sources", "c/d"],
        ],
    ),
    "multipart": (
        "multipart/form-data",
        [["topic", "x"], ["title", "x"], ["text", "x"], ["examples", "x"]],
    ),
}


@pytest.fixture(scope="module")
def helpers(tmp_path_factory) -> dict:
    spec = {"cases": CASES, "malformed": MALFORMED}
    return run_in_web_env(HELPERS_SCRIPT, spec, tmp_path_factory.mktemp("helpers"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_edit_problems_are_the_editors_checks_in_the_nurses_words(helpers, case):
    assert helpers["problems"][case] == helpers["by_hand"][case]
    assert bool(helpers["problems"][case]) == (case != "passes")


def test_proposing_also_needs_a_reason_first(helpers):
    why = "Please say why you make this change; it is kept in the answer's history."
    for case in CASES:
        assert helpers["proposing"][case] == [why, *helpers["problems"][case]]


def test_live_check_form_says_what_is_malformed(helpers):
    said = helpers["malformed"]
    assert "application/x-www-form-urlencoded" in said["json"]
    assert "application/x-www-form-urlencoded" in said["text/plain"]
    assert said["no examples"] == "The form has no examples field: send the whole form."
    assert (
        said["no fields"]
        == "The form has no topic, title, text, examples fields: send the whole form."
    )
    assert said["why twice"] == "The field why must be sent once."
    assert said["well formed"] is None and said["multipart"] is None


def test_a_missing_field_is_empty_and_sources_a_list(helpers):
    assert helpers["blank_form"] == {
        "topic": "",
        "title": "",
        "text": "",
        "examples": "",
        "new": "",
        "why": "",
        "sources": [],
    }


def test_the_summary_says_all_pass_or_how_many_to_fix(helpers):
    assert helpers["summaries"] == {
        "0": "All checks pass.",
        "1": "Not yet: 1 thing to fix.",
        "2": "Not yet: 2 things to fix.",
    }
