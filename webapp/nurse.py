"""The nurses' review dashboard under /nurse: sign-in, figures, transcripts, CSV exports, the
inbox (/nurse/inbox) of questions to add to the FAQ or dismiss (core/review/inbox.py), and the
clinicians' sign-off of what the inbox proposes (/nurse/proposals, core/review/signoff.py), and
the answer editor (/nurse/answers, core/review/editor.py): edits checked as `make check-content`
checks them (also live, while a nurse types: /nurse/answers/check, called by
webapp/static/answer-checks.js, the one script of these pages), kept as drafts for a clinician's
sign-off, with each answer's history and review-by date, and publishing (/nurse/publish:
webapp/publish_pages.py, webapp/publisher.py), and the queue of patients' call-back requests
(/nurse/callbacks: webapp/callback_pages.py), whose count of new ones every page's menu shows.

Nurses and clinicians sign in with their own name and password (webapp/accounts.py: Argon2
hashes in the review database); the session is an encrypted cookie (aiohttp-session's
EncryptedCookieStorage, keyed by NURSE_SESSION_SECRET) that lasts 8 hours. Scripts read the
dashboard and its downloads with `Authorization: Bearer <NURSE_TOKEN>`, as a nurse named
"script" who can change nothing. Passwords and the token never go in a URL and are never logged.
Without a valid session or token every /nurse path answers 401 and shows only the sign-in form.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import functools
import hashlib
import hmac
import io
import logging
import os
import subprocess
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from core.content import answer_files, faq_titles
from core.content_checks import MIN_FAQ_EXAMPLES
from core.copying import load_fingerprints
from core.paths import PROJECT_ROOT
from core.review import editor
from core.review.charts import horizontal_bars, stacked_columns
from core.review.inbox import (
    DISMISS_REASONS,
    DecidedGroups,
    InboxGroup,
    NotAccepted,
    group_messages,
    read_decision,
    topic_choices,
)
from core.review.pages import PER_PAGE, matching, paginate
from core.review.report import topic_name, transcript
from core.review.signoff import (
    DRAFT,
    NOT_A_CLINICIAN,
    NURSE,
    REVIEWED,
    STATUS_WORDS,
    may_review,
    read_review,
)
from core.sources import load_registry
from webapp.accounts import Account, Accounts
from webapp.callback_pages import create_callback_routes
from webapp.callbacks import CallbackStore
from webapp.publish_pages import create_publish_routes
from webapp.publisher import Publisher
from webapp.review_db import (
    AlreadyDecided,
    AlreadyReviewed,
    NoSuchProposal,
    PublicationLog,
    ReviewDatabase,
)
from webapp.settings import WebSettings
from webapp.store import ConversationStore
from webapp.templating import render

SESSION_COOKIE = "nurse_session"
SESSION_SECONDS = 8 * 3600
# NURSE_SESSION_SECRET: long enough that it cannot be guessed.
MIN_SECRET = 32
# Naive throttle: this many failed sign-ins for one name from one address, then a pause.
SIGN_IN_TRIES = 10
SIGN_IN_WINDOW_S = 15 * 60
DEFAULT_DAYS = 7
# The inbox looks further back: a question asked a few times a month is worth adding.
INBOX_DAYS = 30
STORE_KEY = web.AppKey("conversation_store", ConversationStore)
REVIEW_KEY = web.AppKey("review_db", ReviewDatabase)
ACCOUNTS_KEY = web.AppKey("staff_accounts", Accounts)
# Patients' call-back requests, in the tracker store's database (written by the web server).
CALLBACKS_KEY = web.AppKey("callbacks", CallbackStore)
NEW_CALLBACKS = "new_callbacks"  # the request's: how many call-back requests are new (or None)
ACCOUNT = "nurse_account"  # the request's: who is signed in (an Account)
# The bearer token's account: it reads the dashboard and its downloads, and changes nothing.
SCRIPT = Account("script", NURSE)
TOKEN_READS_ONLY = (
    "The access token can only read the dashboard. Sign in with your own name and password "
    "to decide on the inbox or to sign off a change."
)
WRONG_SIGN_IN = "That name and password do not match an account. Please try again."
TOO_MANY_TRIES = "Too many tries with that name. Please wait 15 minutes and try again."
SAVED = "Saved. That question, and others worded like it, will not come back to the inbox."
PROPOSED = "Proposed. A clinician signs it off on the Proposals page before it is published."
ALL_CHECKS_PASS = "Every check passed. Say why you make the change, then propose it."
REVIEWED_NOTICE = {REVIEWED: "Signed off.", "rejected": "Sent back, with your note."}
logger = logging.getLogger(__name__)
# No script at all on these pages; forms post only to this site.
NO_SCRIPT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The answer editor's pages run one file of this site's (/nurse/static/answer-checks.js: the
# live checks), which posts the form to /nurse/answers/check: no inline script, no eval.
EDITOR_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": NO_SCRIPT_POLICY,
    # Nothing to another site; to this one, the browser names the page's origin on a form's
    # post (with no-referrer it sends "Origin: null"), which the inbox checks (_same_origin).
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
EDITOR_HEADERS = {**PAGE_HEADERS, "Content-Security-Policy": EDITOR_POLICY}
# The nurses' own scripts (webapp/static/), for signed-in staff only: the browser asks each time
# whether the file changed (ETag, Last-Modified) and keeps no copy for other users.
STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"answer-checks.js": "text/javascript; charset=utf-8"}
STATIC_HEADERS = {
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CHECK_PATH = "/nurse/answers/check"
# The live checks' form: the fields the editor's form always sends, and those it may.
LIVE_CHECK_FIELDS = ("topic", "title", "text", "examples")
EDIT_FIELDS = (*LIVE_CHECK_FIELDS, "new", "why")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ALL_LIVE_CHECKS_PASS = "All checks pass."


def session_key(secret: str) -> bytes:
    """The sessions' encryption key: from NURSE_SESSION_SECRET, else random (sessions then end
    when the web server restarts, and each of several web servers has its own)."""
    if not secret:
        logger.warning(
            "NURSE_SESSION_SECRET is not set: nurses' and clinicians' sessions end when the web "
            "server restarts."
        )
        return os.urandom(32)
    if len(secret) < MIN_SECRET:
        raise ValueError(f"NURSE_SESSION_SECRET must be at least {MIN_SECRET} characters long.")
    return hashlib.sha256(secret.encode()).digest()


class SessionCookies(EncryptedCookieStorage):
    """aiohttp-session's encrypted cookie, marked Secure when the page came over https."""

    async def save_session(self, request, response, session) -> None:
        await super().save_session(request, response, session)
        if request.secure and self.cookie_name in response.cookies:
            response.cookies[self.cookie_name]["secure"] = True


class SignInThrottle:
    """Failed sign-ins per (address, name) in the last SIGN_IN_WINDOW_S, in memory."""

    def __init__(self, tries: int = SIGN_IN_TRIES, window_s: float = SIGN_IN_WINDOW_S) -> None:
        self.tries, self.window_s = tries, window_s
        self._failed: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        times = self._failed[key]
        while times and times[0] < time.monotonic() - self.window_s:
            times.popleft()
        return times

    def blocked(self, address: str, name: str) -> bool:
        return len(self._recent((address, name.strip().lower()))) >= self.tries

    def failed(self, address: str, name: str) -> None:
        if len(self._failed) > 10_000:  # a flood of names: forget the oldest
            self._failed.clear()
        self._recent((address, name.strip().lower())).append(time.monotonic())


def bearer_is_right(request: web.Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def signed_in_as(request: web.Request) -> str:
    """Who is signed in, by name, as decisions and sign-offs record it ("script" for the token)."""
    return request[ACCOUNT].name


def role_of(request: web.Request) -> str:
    """The signed-in account's role: nurse or clinician (core/review/signoff.py)."""
    return request[ACCOUNT].role


def date_range(request: web.Request, days: int = DEFAULT_DAYS) -> tuple[dt.date, dt.date]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, both days included; the last `days` days by default."""
    today = dt.datetime.now(dt.timezone.utc).date()
    try:
        end = (
            dt.date.fromisoformat(request.query.get("to", "")) if request.query.get("to") else today
        )
        start = (
            dt.date.fromisoformat(request.query["from"])
            if request.query.get("from")
            else end - dt.timedelta(days=days - 1)
        )
    except ValueError:
        raise web.HTTPBadRequest(text="Dates must look like 2026-11-21.") from None
    if start > end:
        start, end = end, start
    return start, end


def _timestamps(start: dt.date, end: dt.date) -> tuple[float, float]:
    begin = dt.datetime.combine(start, dt.time.min, dt.timezone.utc).timestamp()
    finish = dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time.min, dt.timezone.utc
    ).timestamp()
    return begin, finish


def _number(request: web.Request, name: str, default: int) -> int:
    """A whole number from the query; a missing or malformed one gives the default."""
    value = request.query.get(name, "")
    return int(value) if value.isdigit() else default


async def _off_the_event_loop(function, *args):
    # Database reads block; the chat widget's files are served from the same loop.
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def open_groups(
    store: ConversationStore, review: ReviewDatabase, start: float, end: float
) -> list[InboxGroup]:
    """The inbox's groups of the period that no decision has closed."""
    return group_messages(store.inbox(start, end), DecidedGroups(review.decided_keys()))


def _same_origin(request: web.Request) -> None:
    """Forms post only from these pages (the CSP's form-action and the SameSite cookie say so
    too); a browser's Origin naming another site is refused."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="Forms may be sent from this site only.")


class MalformedForm(ValueError):
    """A request to the live checks that is not the answer editor's form; says what is wrong."""


def edit_form(posted: Any) -> dict[str, str | list[str]]:
    """The answer editor's fields as posted (`request.post()`'s multidict): a missing one is
    empty; `sources` lists the sections chosen."""
    form: dict[str, str | list[str]] = {name: str(posted.get(name, "")) for name in EDIT_FIELDS}
    form["sources"] = [str(value) for value in posted.getall("sources", [])]
    return form


def live_check_form(content_type: str, posted: Any) -> dict[str, str | list[str]]:
    """The editor's form as the live checks send it (every field of LIVE_CHECK_FIELDS once, as
    text); MalformedForm for anything else."""
    if content_type not in FORM_TYPES:
        raise MalformedForm(
            "Send the answer editor's form fields (application/x-www-form-urlencoded)."
        )
    for name in (*EDIT_FIELDS, "sources"):
        values = posted.getall(name, [])
        if not all(isinstance(value, str) for value in values):
            raise MalformedForm(f"The field {name} must be text, not a file.")
        if name != "sources" and len(values) > 1:
            raise MalformedForm(f"The field {name} must be sent once.")
    missing = [name for name in LIVE_CHECK_FIELDS if name not in posted]
    if missing:
        fields = f"{', '.join(missing)} field{'s' if len(missing) > 1 else ''}"
        raise MalformedForm(f"The form has no {fields}: send the whole form.")
    return edit_form(posted)


def edit_problems(
    form: Mapping[str, Any],
    topics: Mapping[str, editor.Topic],
    registry: Mapping[str, Any],
    fingerprints: set[str],
    proposing: bool = False,
) -> tuple[editor.AnswerEdit, list[str]]:
    """The edit a form asks for and its problems, each with its fix in the nurses' words
    (topics named by their titles): the checks of `make check-content` (core/review/editor.py),
    and a reason when proposing. The Check button, Propose and the live checks all use this."""
    edit, problems = editor.read_edit(form, topics)
    if not problems:
        problems = editor.check_edit(edit, topics, registry, fingerprints)
    if proposing:
        problems = editor.why_problems(edit) + problems
    if problems:
        titles = faq_titles()
        problems = [editor.in_nurses_words(problem, titles) for problem in problems]
    return edit, problems


def check_summary(problems: list[str]) -> str:
    """The live checks' first line: "All checks pass." or how many things to fix."""
    if not problems:
        return ALL_LIVE_CHECKS_PASS
    return f"Not yet: {len(problems)} thing{'' if len(problems) == 1 else 's'} to fix."


def _create_review_tables(review: ReviewDatabase) -> None:
    try:
        review.create_tables()
    except sa.exc.SQLAlchemyError as error:  # the clinic page must start all the same
        logger.error("The review database (REVIEW_DB_URL) is not reachable yet: %s", error)


@functools.cache
def last_committed(path: str) -> dt.date | None:
    """The day the file was last committed (git), or None outside a git checkout."""
    try:
        found = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "log", "-1", "--format=%cs", "--", path],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return dt.date.fromisoformat(found) if found else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def last_reviews(review: ReviewDatabase, topics) -> dict[str, tuple[dt.date | None, str]]:
    """{topic: (its last review, how we know: "signed off", "file changed" or "")}: a
    clinician's last sign-off here, else the day its data/nlu/ file was last committed."""
    signed = review.last_signoffs()
    files = answer_files()
    found: dict[str, tuple[dt.date | None, str]] = {}
    for key in topics:
        if key in signed:
            found[key] = (signed[key].date(), "signed off")
        elif key in files and (day := last_committed(str(files[key]))):
            found[key] = (day, "file changed")
        else:
            found[key] = (None, "")
    return found


def _create_callback_tables(callbacks: CallbackStore) -> None:
    try:
        callbacks.create_tables()
    except sa.exc.SQLAlchemyError as error:  # the clinic page must start all the same
        logger.error("The call-back tables (TRACKER_STORE_URL) cannot be made yet: %s", error)


def create_nurse_routes(app: web.Application, settings: WebSettings) -> None:
    app[STORE_KEY] = ConversationStore(settings.tracker_store_url, read_only=True)
    app[REVIEW_KEY] = ReviewDatabase(settings.review_db_url)
    app[ACCOUNTS_KEY] = Accounts(app[REVIEW_KEY])
    app[CALLBACKS_KEY] = CallbackStore(settings.tracker_store_url)
    _create_review_tables(app[REVIEW_KEY])  # at start, before the server listens
    _create_callback_tables(app[CALLBACKS_KEY])
    setup_sessions(
        app,
        SessionCookies(
            session_key(settings.nurse_session_secret),
            cookie_name=SESSION_COOKIE,
            max_age=SESSION_SECONDS,
            path="/nurse",
            httponly=True,
            samesite="Strict",
        ),
    )
    throttle = SignInThrottle()

    async def signed_in(request: web.Request) -> Account | None:
        """The bearer token's script account, else the session's, while the account is active
        (disabling an account ends its sessions)."""
        if "Authorization" in request.headers:
            return SCRIPT if bearer_is_right(request, settings.nurse_token) else None
        session = await get_session(request)
        name = session.get("name")
        if not isinstance(name, str):
            return None
        account = await _off_the_event_loop(request.app[ACCOUNTS_KEY].active, name)
        if account is None:
            session.invalidate()
        return account

    def page(
        request: web.Request,
        template: str,
        status: int = 200,
        *,
        headers: Mapping[str, str] = PAGE_HEADERS,
        **context,
    ) -> web.Response:
        return render(
            template,
            dict(headers),
            status=status,
            account=request.get(ACCOUNT),
            new_callbacks=request.get(NEW_CALLBACKS),
            **context,
        )

    async def count_new_callbacks(request: web.Request) -> int | None:
        """For the menu's "Callbacks (2 new)": one COUNT per page; None if it cannot be read."""
        try:
            return await _off_the_event_loop(request.app[CALLBACKS_KEY].count_new)
        except sa.exc.SQLAlchemyError:
            return None

    async def sign_in_page(request: web.Request, status: int = 401, problem: str = ""):
        try:
            has_accounts = bool(await _off_the_event_loop(request.app[ACCOUNTS_KEY].listing))
        except sa.exc.SQLAlchemyError:
            has_accounts = True  # the database is down: say so on sign-in, not here
        return page(
            request, "nurse_sign_in.html", status=status, problem=problem, enabled=has_accounts
        )

    @web.middleware
    async def require_nurse(request: web.Request, handler):
        if not request.path.startswith("/nurse"):
            return await handler(request)
        if request.path == "/nurse/sign-in" and request.method == "POST":
            return await handler(request)
        account = await signed_in(request)
        if account is None:
            return await sign_in_page(request)
        if account is SCRIPT and request.method != "GET":
            raise web.HTTPForbidden(text=TOKEN_READS_ONLY, headers=PAGE_HEADERS)
        request[ACCOUNT] = account
        # The pages, not the downloads, scripts or live checks.
        if not request.path.startswith(("/nurse/export/", "/nurse/static/", CHECK_PATH)):
            request[NEW_CALLBACKS] = await count_new_callbacks(request)
        return await handler(request)

    app.middlewares.append(require_nurse)

    async def sign_in(request: web.Request) -> web.StreamResponse:
        _same_origin(request)
        form = await request.post()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        address = request.remote or ""
        if throttle.blocked(address, name):
            return await sign_in_page(request, status=429, problem=TOO_MANY_TRIES)
        account = None
        if name.strip() and password:
            account = await _off_the_event_loop(request.app[ACCOUNTS_KEY].verify, name, password)
        if account is None:
            throttle.failed(address, name)
            logger.info("A sign-in to the nurses' pages failed.")
            return await sign_in_page(request, problem=WRONG_SIGN_IN)
        session = await new_session(request)  # a new session id at each sign-in
        session["name"] = account.name
        return web.HTTPSeeOther("/nurse")

    async def sign_out(request: web.Request) -> web.Response:
        (await get_session(request)).invalidate()
        return web.HTTPSeeOther("/nurse")

    async def dashboard(request: web.Request) -> web.Response:
        start, end = date_range(request)
        search = request.query.get("q", "").strip()[:200]
        per_page = _number(request, "per_page", PER_PAGE)
        # The figures stay those of the whole period; the lists come a page at a time, and a
        # search narrows them to the words patients typed.
        report, conversations = await _off_the_event_loop(
            request.app[STORE_KEY].dashboard,
            *_timestamps(start, end),
            search,
            _number(request, "page", 1),
            per_page,
        )
        return page(
            request,
            "nurse_dashboard.html",
            report=report,
            start=start,
            end=end,
            search=search,
            per_page=per_page,
            conversations=conversations,
            unanswered=paginate(
                matching(report.unanswered, search, lambda u: u.text),
                _number(request, "unanswered_page", 1),
                per_page,
            ),
            topics_chart=stacked_columns("Answers given per day, by topic", report.topics_by_day),
            escalations_chart=horizontal_bars(
                "Escalations by reason",
                [(words, n) for _, words, n in report.escalations_by_reason],
            ),
        )

    async def conversation(request: web.Request) -> web.Response:
        sender = request.match_info["sender_id"]
        events = await _off_the_event_loop(request.app[STORE_KEY].conversation, sender)
        if not events:
            raise web.HTTPNotFound(text="No conversation with that id.")
        return page(request, "nurse_transcript.html", sender=sender, lines=transcript(events))

    async def unanswered_csv(request: web.Request) -> web.Response:
        start, end = date_range(request)
        unanswered = await _off_the_event_loop(
            request.app[STORE_KEY].unanswered, *_timestamps(start, end)
        )
        rows = [("time", "conversation", "question", "times_asked")]
        for item in unanswered:
            rows += [
                (asked["time"], asked["conversation"], item.text, item.count)
                for asked in item.asked
            ]
        return _csv(rows, f"unanswered-{start}-to-{end}.csv")

    async def feedback_csv(request: web.Request) -> web.Response:
        start, end = date_range(request)
        ratings = await _off_the_event_loop(
            request.app[STORE_KEY].ratings, *_timestamps(start, end)
        )
        rows = [("answer", "topic", "helpful", "not_helpful", "helpful_rate")]
        rows += [
            (r.answer, r.topic, r.helpful, r.not_helpful, f"{r.helpful_rate:.2f}") for r in ratings
        ]
        return _csv(rows, f"feedback-{start}-to-{end}.csv")

    async def inbox_page(
        request: web.Request, status: int = 200, problem: str = "", notice: str = ""
    ) -> web.Response:
        start, end = date_range(request, INBOX_DAYS)
        groups = await _off_the_event_loop(
            open_groups, request.app[STORE_KEY], request.app[REVIEW_KEY], *_timestamps(start, end)
        )
        return page(
            request,
            "nurse_inbox.html",
            status=status,
            start=start,
            end=end,
            groups=paginate(groups, _number(request, "page", 1)),
            problem=problem,
            notice=notice,
            topics=topic_choices(faq_titles()),
            topic_name=topic_name,
            reasons=DISMISS_REASONS,
        )

    async def inbox(request: web.Request) -> web.Response:
        return await inbox_page(request, notice=SAVED if request.query.get("saved") else "")

    async def decide(request: web.Request) -> web.Response:
        _same_origin(request)
        start, end = date_range(request, INBOX_DAYS)
        form = {name: str(value) for name, value in (await request.post()).items()}
        try:
            decision = read_decision(form, faq_titles())
            groups = await _off_the_event_loop(
                open_groups,
                request.app[STORE_KEY],
                request.app[REVIEW_KEY],
                *_timestamps(start, end),
            )
            group = next((g for g in groups if g.key == decision.key), None)
            if group is None:
                raise NotAccepted(
                    "That question is no longer in the inbox: someone may have decided on it."
                )
            await _off_the_event_loop(
                request.app[REVIEW_KEY].keep, decision, group, signed_in_as(request)
            )
        except AlreadyDecided:
            return await inbox_page(
                request, status=409, problem="Someone decided on that question first."
            )
        except NotAccepted as problem:
            return await inbox_page(request, status=400, problem=str(problem))
        raise web.HTTPSeeOther(f"/nurse/inbox?from={start}&to={end}&saved=1")

    async def proposals_page(
        request: web.Request, status: int = 200, problem: str = "", notice: str = ""
    ) -> web.Response:
        proposals = await _off_the_event_loop(request.app[REVIEW_KEY].proposals)
        edits = await _off_the_event_loop(request.app[REVIEW_KEY].answer_edits)
        edits.sort(key=lambda e: (e["status"] != DRAFT, -e["id"]))
        return page(
            request,
            "nurse_proposals.html",
            status=status,
            proposals=paginate(proposals, _number(request, "page", 1)),
            drafts=sum(p["status"] == DRAFT for p in proposals + edits),
            edits=edits,
            diff=editor.word_diff,
            can_review=may_review(role_of(request)),
            problem=problem,
            notice=notice,
            topic_name=topic_name,
            status_words=STATUS_WORDS,
            draft=DRAFT,
        )

    async def proposals(request: web.Request) -> web.Response:
        return await proposals_page(
            request, notice=REVIEWED_NOTICE.get(request.query.get("saved", ""), "")
        )

    async def review(request: web.Request, edits: bool = False) -> web.Response:
        """Signs off or sends back a proposal of the inbox, or an answer edit (edits)."""
        _same_origin(request)
        if not may_review(role_of(request)):
            return await proposals_page(request, status=403, problem=NOT_A_CLINICIAN)
        form = {name: str(value) for name, value in (await request.post()).items()}
        try:
            decided = read_review(form)
            database = request.app[REVIEW_KEY]
            await _off_the_event_loop(
                database.review_edit if edits else database.review, decided, signed_in_as(request)
            )
        except NotAccepted as problem:
            return await proposals_page(request, status=400, problem=str(problem))
        except NoSuchProposal:
            return await proposals_page(
                request, status=404, problem="That proposal is not in the list."
            )
        except AlreadyReviewed:
            return await proposals_page(
                request, status=409, problem="Someone reviewed that change first."
            )
        raise web.HTTPSeeOther(f"/nurse/proposals?saved={decided.to_status}")

    registry = load_registry()
    fingerprints: set[str] = set()

    def known_fingerprints() -> set[str]:
        if not fingerprints:
            fingerprints.update(load_fingerprints())
        return fingerprints

    async def answers(request: web.Request) -> web.Response:
        topics = editor.published_topics()
        search = request.query.get("q", "").strip()[:200]
        reviewed = await _off_the_event_loop(last_reviews, request.app[REVIEW_KEY], topics)
        today = dt.datetime.now(dt.timezone.utc).date()
        listed = [
            t
            for t in topics.values()
            if not search
            or search.lower() in f"{t.key} {t.title} {t.text} {' '.join(t.examples)}".lower()
        ]
        return page(
            request,
            "nurse_answers.html",
            topics=listed,
            search=search,
            reviewed=reviewed,
            overdue=editor.overdue({k: day for k, (day, _) in reviewed.items()}, today),
            review_by=editor.review_by,
            review_after=editor.REVIEW_AFTER_DAYS,
            titles={k: t.title for k, t in topics.items()},
            today=today,
        )

    async def answer_page(
        request: web.Request,
        key: str | None,
        form: dict | None = None,
        status: int = 200,
        problems: list[str] | None = None,
        notice: str = "",
    ) -> web.Response:
        topics = editor.published_topics()
        topic = topics.get(key) if key else None
        if key and topic is None and not (form and form.get("new")):
            raise web.HTTPNotFound(text="No topic by that name.", headers=PAGE_HEADERS)
        if form is None:  # what is published now
            form = {
                "topic": key[len(editor.ANSWER) :] if key else "",
                "new": "" if topic else "1",
                "title": topic.title if topic else "",
                "text": topic.text if topic else "",
                "sources": [f"{r.document}/{r.section}" for r in topic.sources] if topic else [],
                "examples": "\n".join(topic.examples) if topic else "",
                "why": "",
            }
        edits = await _off_the_event_loop(request.app[REVIEW_KEY].answer_edits, key) if key else []
        history = [
            {**e, "diff": editor.word_diff(e["previous_text"], e["text"])} for e in reversed(edits)
        ]
        return page(
            request,
            "nurse_answer.html",
            status=status,
            headers=EDITOR_HEADERS,
            topic=topic,
            form=form,
            problems=problems or [],
            notice=notice,
            history=history,
            sources=editor.source_choices(registry),
            min_examples=MIN_FAQ_EXAMPLES,
            status_words=STATUS_WORDS,
        )

    async def answer(request: web.Request) -> web.Response:
        key = editor.ANSWER + request.match_info["name"]
        return await answer_page(
            request, key, notice=PROPOSED if request.query.get("saved") else ""
        )

    async def new_answer(request: web.Request) -> web.Response:
        return await answer_page(request, None)

    def checked(
        form: Mapping[str, Any], fingerprints: set[str], proposing: bool = False
    ) -> tuple[dict[str, editor.Topic], tuple[editor.AnswerEdit, list[str]]]:
        """The published topics, and the form's edit with its problems (edit_problems)."""
        topics = editor.published_topics()
        return topics, edit_problems(form, topics, registry, fingerprints, proposing)

    async def edit_answer(request: web.Request) -> web.Response:
        """Check (action=check) or propose (action=propose) an edit: both run every check;
        an edit with a problem is refused with the reasons, nothing stored, the form kept."""
        _same_origin(request)
        posted = await request.post()
        form = edit_form(posted)
        proposing = posted.get("action") == "propose"
        topics, (edit, problems) = await _off_the_event_loop(
            checked, form, known_fingerprints(), proposing
        )
        key = edit.key if edit.key in topics or edit.new else None
        if problems:
            return await answer_page(request, key, form, status=400, problems=problems)
        if not proposing:
            return await answer_page(request, key, form, notice=ALL_CHECKS_PASS)
        previous = topics[edit.key].text if edit.key in topics else ""
        await _off_the_event_loop(
            request.app[REVIEW_KEY].propose_edit, edit, previous, signed_in_as(request)
        )
        raise web.HTTPSeeOther(f"/nurse/answers/{edit.key[len(editor.ANSWER) :]}?saved=1")

    async def check_answer(request: web.Request) -> web.Response:
        """The live checks (answer-checks.js): the editor's form, checked as the Check button
        checks it; {"problems": [...], "summary": ...}. Nothing is stored."""
        _same_origin(request)
        try:
            form = live_check_form(request.content_type, await request.post())
        except (MalformedForm, UnicodeDecodeError, LookupError) as error:
            message = (
                str(error)
                if isinstance(error, MalformedForm)
                else "The form could not be read: send it as UTF-8 text."
            )
            return web.json_response({"error": message}, status=400, headers=PAGE_HEADERS)
        _, (_, problems) = await _off_the_event_loop(checked, form, known_fingerprints())
        return web.json_response(
            {"problems": problems, "summary": check_summary(problems)}, headers=PAGE_HEADERS
        )

    async def static_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound(text="No such file.", headers=PAGE_HEADERS)
        return web.FileResponse(
            STATIC_DIR / name, headers={**STATIC_HEADERS, "Content-Type": STATIC_FILES[name]}
        )

    async def review_edit(request: web.Request) -> web.Response:
        return await review(request, edits=True)

    log = PublicationLog(app[REVIEW_KEY])
    try:
        log.abandon_running(
            "The web server stopped while publishing, so nothing went live. Please publish again."
        )
    except sa.exc.SQLAlchemyError as error:
        logger.error("Publications could not be read: %s", error)
    create_publish_routes(
        app,
        Publisher(settings.publishing, log),
        page,
        lambda request: (signed_in_as(request), role_of(request)),
        _same_origin,
        _off_the_event_loop,
    )

    create_callback_routes(
        app,
        app[CALLBACKS_KEY],
        app[STORE_KEY],
        page,
        signed_in_as,
        _same_origin,
        _off_the_event_loop,
        lambda request: request[ACCOUNT] is not SCRIPT,
    )

    app.router.add_get("/nurse/answers", answers)
    app.router.add_get("/nurse/answers/new", new_answer)
    app.router.add_post("/nurse/answers/edit", edit_answer)
    app.router.add_post(CHECK_PATH, check_answer)
    app.router.add_get("/nurse/static/{name}", static_file)
    app.router.add_get("/nurse/answers/{name}", answer)
    app.router.add_post("/nurse/proposals/review-edit", review_edit)
    app.router.add_get("/nurse", dashboard)
    app.router.add_get("/nurse/proposals", proposals)
    app.router.add_post("/nurse/proposals/review", review)
    app.router.add_get("/nurse/inbox", inbox)
    app.router.add_post("/nurse/inbox/decide", decide)
    app.router.add_post("/nurse/sign-in", sign_in)
    app.router.add_post("/nurse/sign-out", sign_out)
    app.router.add_get("/nurse/conversations/{sender_id}", conversation)
    app.router.add_get("/nurse/export/unanswered.csv", unanswered_csv)
    app.router.add_get("/nurse/export/feedback.csv", feedback_csv)


def _csv(rows, filename: str) -> web.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        # A leading = + - @ would run as a formula in a spreadsheet: prefix it.
        writer.writerow(
            ["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]
        )
    return web.Response(
        text=buffer.getvalue(),
        content_type="text/csv",
        headers={**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
