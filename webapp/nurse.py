"""The nurses' review dashboard under /nurse: sign-in, figures, transcripts, CSV exports, and
the inbox (/nurse/inbox) of questions to add to the FAQ or dismiss (core/review/inbox.py).

Signed in by NURSE_TOKEN: a small form sets a session cookie; scripts send
`Authorization: Bearer <token>`. The token never goes in a URL and is never logged.
Without a valid token every /nurse path answers 401 and shows only the sign-in form.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import hmac
import io
import logging
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from aiohttp import web

from core.content import faq_titles
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
from webapp.review_db import AlreadyDecided, ReviewDatabase
from webapp.settings import WebSettings
from webapp.store import ConversationStore
from webapp.templating import render

SESSION_COOKIE = "nurse_session"
SESSION_SECONDS = 8 * 3600
DEFAULT_DAYS = 7
# The inbox looks further back: a question asked a few times a month is worth adding.
INBOX_DAYS = 30
STORE_KEY = web.AppKey("conversation_store", ConversationStore)
REVIEW_KEY = web.AppKey("review_db", ReviewDatabase)
SAVED = "Saved. That question, and others worded like it, will not come back to the inbox."
logger = logging.getLogger(__name__)
PAGE_HEADERS = {
    # No script at all on these pages; forms post only to this site.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    # Nothing to another site; to this one, the browser names the page's origin on a form's
    # post (with no-referrer it sends "Origin: null"), which the inbox checks (_same_origin).
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _signature(token: str, expiry: int) -> str:
    return hmac.new(token.encode(), f"nurse-session:{expiry}".encode(), hashlib.sha256).hexdigest()


def session_cookie_value(token: str, now: float | None = None) -> str:
    expiry = int((now or time.time()) + SESSION_SECONDS)
    return f"{expiry}.{_signature(token, expiry)}"


def _valid_session(token: str, cookie: str) -> bool:
    expiry_text, _, signature = cookie.partition(".")
    if not expiry_text.isdigit() or int(expiry_text) < time.time():
        return False
    return hmac.compare_digest(signature, _signature(token, int(expiry_text)))


def is_signed_in(request: web.Request, token: str) -> bool:
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and _valid_session(token, cookie)


def _sign_in_page(settings: WebSettings, problem: str = "") -> web.Response:
    return render(
        "nurse_sign_in.html",
        PAGE_HEADERS,
        status=401,
        problem=problem,
        enabled=bool(settings.nurse_token),
    )


def signed_in_as(request: web.Request) -> str:
    """Who is signed in, as decisions record it. Nurses share one NURSE_TOKEN today, so this is
    "nurse"; nurse and clinician accounts will name the person here, and only here."""
    return "nurse"


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


def _create_review_tables(review: ReviewDatabase) -> None:
    try:
        review.create_tables()
    except sa.exc.SQLAlchemyError as error:  # the clinic page must start all the same
        logger.error("The review database (REVIEW_DB_URL) is not reachable yet: %s", error)


def create_nurse_routes(app: web.Application, settings: WebSettings) -> None:
    app[STORE_KEY] = ConversationStore(settings.tracker_store_url, read_only=True)
    app[REVIEW_KEY] = ReviewDatabase(settings.review_db_url)
    _create_review_tables(app[REVIEW_KEY])  # at start, before the server listens

    @web.middleware
    async def require_nurse(request: web.Request, handler):
        if not request.path.startswith("/nurse"):
            return await handler(request)
        if request.path == "/nurse/sign-in" and request.method == "POST":
            return await handler(request)
        if not is_signed_in(request, settings.nurse_token):
            return _sign_in_page(settings)
        return await handler(request)

    app.middlewares.append(require_nurse)

    async def sign_in(request: web.Request) -> web.Response:
        form = await request.post()
        given = str(form.get("token", ""))
        if not settings.nurse_token or not hmac.compare_digest(
            given.encode(), settings.nurse_token.encode()
        ):
            return _sign_in_page(settings, problem="That token is not right. Please try again.")
        response = web.HTTPSeeOther("/nurse")
        response.set_cookie(
            SESSION_COOKIE,
            session_cookie_value(settings.nurse_token),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="Strict",
            path="/nurse",
            secure=request.secure,
        )
        return response

    async def sign_out(request: web.Request) -> web.Response:
        response = web.HTTPSeeOther("/nurse")
        response.del_cookie(SESSION_COOKIE, path="/nurse")
        return response

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
        return render(
            "nurse_dashboard.html",
            PAGE_HEADERS,
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
        return render(
            "nurse_transcript.html", PAGE_HEADERS, sender=sender, lines=transcript(events)
        )

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
        return render(
            "nurse_inbox.html",
            PAGE_HEADERS,
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

    app.router.add_get("/nurse", dashboard)
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
