"""What the chat widget asks of the web server for the patient (issue 17's contract):

- POST /patient/callback (JSON): ask the clinic to call back; kept in the tracker store's
  database (webapp/callbacks.py) for the nurses' queue (/nurse/callbacks).
- POST /patient/forget (JSON): delete the conversation and its call-back requests.
- POST /patient/summary (a form, opened in a new tab): a printable page for the patient's doctor.
- GET /privacy: what is kept, who sees it, for how long, and how to delete it.

The conversation id is the patient's capability: it comes in a POST body, never in a URL. The
JSON endpoints answer the pages in CORS_ORIGINS (with their preflight), never any origin, and
refuse a browser's post from any other site. Bad input gets a 400 in plain words, and nothing
is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from aiohttp import web

from core.clinic_hours import clinic_now, when_to_expect_a_call
from core.review.callbacks import (
    NotAccepted,
    confirmation,
    doctor_summary,
    forgotten_text,
    read_conversation,
    read_request,
)
from core.settings import clinic
from webapp.callbacks import CallbackStore
from webapp.settings import WebSettings, cors_origins
from webapp.store import ConversationStore
from webapp.templating import render

# A call-back request is a few short fields: far less than the app's 64 KB.
MAX_BODY = 4 * 1024
JSON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# The privacy page and the summary run no script and post no form.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
SUMMARY_HEADERS = {**PAGE_HEADERS, "Cache-Control": "no-store"}
TOO_LONG = "That is too much to send. Please shorten what you typed and try again."
NOT_JSON = "The form could not be read. Please reload the page and try again."
OTHER_SITE = "This can only be sent from the clinic's own pages."
logger = logging.getLogger(__name__)


async def _off_the_event_loop(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def read_json(request: web.Request) -> Any:
    """The request's JSON body: NotAccepted when it is not JSON or too long."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise NotAccepted(TOO_LONG)
    if request.content_type != "application/json":
        raise NotAccepted(NOT_JSON)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise NotAccepted(TOO_LONG) from None
    if len(raw) > MAX_BODY:
        raise NotAccepted(TOO_LONG)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotAccepted(NOT_JSON) from None


def create_patient_routes(
    app: web.Application,
    settings: WebSettings,
    conversations: ConversationStore,
    callbacks: CallbackStore,
) -> None:
    allowed = {o for o in settings.cors_origins or cors_origins(settings.port) if o != "*"}

    def cors(request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin", "")
        headers = {"Vary": "Origin"}
        if origin in allowed:
            headers["Access-Control-Allow-Origin"] = origin
        return headers

    def from_allowed_page(request: web.Request) -> bool:
        """No Origin (not a browser's cross-site post), one of CORS_ORIGINS, or this site."""
        origin = request.headers.get("Origin")
        return origin is None or origin in allowed or urlsplit(origin).netloc == request.host

    def reply(request: web.Request, data: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(data, status=status, headers={**cors(request), **JSON_HEADERS})

    def refused(request: web.Request, problem: NotAccepted) -> web.Response:
        return reply(request, {"message": problem.message, "problems": problem.problems}, 400)

    async def preflight(request: web.Request) -> web.Response:
        headers = cors(request)
        if "Access-Control-Allow-Origin" in headers:
            headers |= {
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
            }
        return web.Response(status=204, headers=headers)

    async def callback(request: web.Request) -> web.Response:
        place = clinic()
        if not from_allowed_page(request):
            return reply(request, {"message": OTHER_SITE, "problems": {}}, 403)
        try:
            asked = read_request(await read_json(request), place.phone)
        except NotAccepted as problem:
            return refused(request, problem)
        try:
            kept = await _off_the_event_loop(callbacks.keep, asked)
        except sa.exc.SQLAlchemyError as error:
            logger.error("A call-back request could not be kept: %s", error)
            message = (
                "Sorry, your request could not be sent just now. Please call the clinic on "
                f"{place.phone}."
            )
            return reply(request, {"message": message, "problems": {}}, 503)
        expectation = when_to_expect_a_call(
            place.opening_hours, clinic_now(place.timezone), place.callback_within_hours
        )
        text = confirmation(
            asked,
            kept.triage_level,
            clinic_name=place.name,
            clinic_hours=place.hours,
            expectation=expectation,
            emergency_number=place.emergency_number,
            merged=kept.merged,
        )
        return reply(request, {"text": text, "request_id": kept.request_id, "merged": kept.merged})

    async def forget(request: web.Request) -> web.Response:
        place = clinic()
        if not from_allowed_page(request):
            return reply(request, {"message": OTHER_SITE, "problems": {}}, 403)
        try:
            body = await read_json(request)
            conversation = read_conversation(
                body.get("conversation") if isinstance(body, dict) else None
            )
        except NotAccepted as problem:
            return refused(request, problem)
        try:
            forgotten = await _off_the_event_loop(callbacks.forget, conversation)
        except sa.exc.SQLAlchemyError as error:
            logger.error("A conversation could not be deleted: %s", error)
            message = (
                "Sorry, your conversation could not be deleted just now. Please try again in a "
                f"few minutes, or call the clinic on {place.phone}."
            )
            return reply(request, {"message": message, "problems": {}}, 503)
        return reply(
            request,
            {
                "deleted_events": forgotten.events,
                "deleted_callbacks": forgotten.callbacks,
                "text": forgotten_text(forgotten.callbacks, place.phone),
            },
        )

    def message_page(status: int, title: str, text: str) -> web.Response:
        return render(
            "patient_message.html",
            SUMMARY_HEADERS,
            status=status,
            title=title,
            text=text,
            clinic=clinic(),
        )

    async def summary(request: web.Request) -> web.Response:
        try:
            form = await request.post()
        # Too large, not UTF-8, an unknown charset, a nameless part: no conversation to show.
        except (web.HTTPRequestEntityTooLarge, ValueError, LookupError, TypeError):
            form = None
        try:
            conversation = read_conversation(form.get("conversation") if form else None)
        except NotAccepted:
            return message_page(
                400,
                "No summary to show",
                "This page could not tell which conversation to show. Please go back to the chat "
                "and press “Show this to your doctor” again.",
            )
        try:
            events = await _off_the_event_loop(conversations.conversation, conversation)
        except sa.exc.SQLAlchemyError as error:
            logger.error("A summary could not be read: %s", error)
            return message_page(
                503,
                "The summary cannot be shown just now",
                "Please try again in a few minutes.",
            )
        found = doctor_summary(events)
        if found is None:
            return message_page(
                404,
                "No summary to show",
                "There is no summary for your doctor in this conversation yet. The assistant makes "
                "one when you finish answering its questions about a symptom. If the conversation "
                "was deleted, its summary was deleted too.",
            )
        return render("patient_summary.html", SUMMARY_HEADERS, summary=found, clinic=clinic())

    async def privacy(request: web.Request) -> web.Response:
        return render("privacy.html", PAGE_HEADERS, clinic=clinic())

    app.router.add_get("/privacy", privacy)
    app.router.add_post("/patient/summary", summary)
    for path, handler in (("/patient/callback", callback), ("/patient/forget", forget)):
        app.router.add_post(path, handler)
        app.router.add_route("OPTIONS", path, preflight)
