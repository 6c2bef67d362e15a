"""The nurses' queue of call-back requests, /nurse/callbacks (webapp/callbacks.py keeps them):
each patient who asked to be called, with her number, a good time, how long she has waited, the
escalation her conversation reached and the conversation so far (masked as on the dashboard);
the most serious and the longest waiting first. A nurse marks a request called, then closes it,
with a note; each change is kept with who and when. Closed requests are listed after, folded.

Only signed-in nurses and clinicians see the queue (it shows phone numbers in full) and change
requests; the bearer token's script gets 403. A closed request shows the number's last digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aiohttp import web

from core.review.callbacks import (
    ACTION_WORDS,
    CALLED,
    CLOSED,
    LEVEL_WORDS,
    STATUS_WORDS,
    NotAllowed,
    next_steps,
    phone_digits,
    read_note,
    waited,
)
from core.review.report import transcript
from webapp.callbacks import CallbackStore, ChangedMeanwhile, NoSuchRequest
from webapp.store import ConversationStore

NOTICES = {CALLED: "Marked as called.", CLOSED: "Closed."}


def dial(phone: str) -> str:
    """A tel: link's number: its digits, with the + it began with."""
    digits = phone_digits(phone) or ""
    return f"+{digits}" if phone.strip().startswith("+") else digits


def create_callback_routes(
    app: web.Application,
    callbacks: CallbackStore,
    conversations: ConversationStore,
    page: Callable[..., web.Response],
    who: Callable[[web.Request], str],
    same_origin: Callable[[web.Request], None],
    off_the_event_loop: Callable,
    is_a_person: Callable[[web.Request], bool],
) -> None:
    """`page` renders a nurse page; `who` gives the signed-in name; `is_a_person` is false for
    the bearer token's script."""

    def read_queue() -> tuple[list[dict[str, Any]], dict[int, list[dict[str, str]]]]:
        """The queue, and the conversation so far of each open request."""
        requests = callbacks.queue()
        lines = {
            r["id"]: transcript(conversations.conversation(r["conversation_id"]))
            for r in requests
            if r["status"] != CLOSED
        }
        return requests, lines

    async def queue_page(
        request: web.Request, status: int = 200, problem: str = "", notice: str = ""
    ) -> web.Response:
        requests, lines = await off_the_event_loop(read_queue)
        return page(
            request,
            "nurse_callbacks.html",
            status=status,
            problem=problem,
            notice=notice,
            open_requests=[r for r in requests if r["status"] != CLOSED],
            closed_requests=[r for r in requests if r["status"] == CLOSED],
            transcripts=lines,
            now=dt.datetime.now(dt.timezone.utc),
            waited=waited,
            dial=dial,
            next_steps=next_steps,
            level_words=LEVEL_WORDS,
            status_words=STATUS_WORDS,
            action_words=ACTION_WORDS,
        )

    def people_only(request: web.Request) -> None:
        if not is_a_person(request):
            raise web.HTTPForbidden(
                text="Call-back requests hold phone numbers: sign in with your own account."
            )

    async def queue(request: web.Request) -> web.Response:
        people_only(request)
        return await queue_page(request, notice=NOTICES.get(request.query.get("saved", ""), ""))

    async def change(request: web.Request) -> web.Response:
        same_origin(request)
        people_only(request)
        try:
            form = await request.post()
        except (ValueError, LookupError, TypeError):  # not UTF-8, unknown charset, nameless part
            return await queue_page(request, status=400, problem="Please pick a request.")
        number, to_status = str(form.get("request", "")), str(form.get("to", ""))
        if not number.isdigit() or to_status not in (CALLED, CLOSED):
            return await queue_page(request, status=400, problem="Please pick a request.")
        try:
            await off_the_event_loop(
                callbacks.change_status,
                int(number),
                to_status,
                who(request),
                read_note(form.get("note", "")),
            )
        except NoSuchRequest:
            return await queue_page(
                request, status=404, problem="That request is not in the list any more."
            )
        except NotAllowed as problem:
            return await queue_page(request, status=409, problem=str(problem))
        except ChangedMeanwhile:
            return await queue_page(
                request, status=409, problem="Someone changed that request first."
            )
        raise web.HTTPSeeOther(f"/nurse/callbacks?saved={to_status}#callback-{number}")

    app.router.add_get("/nurse/callbacks", queue)
    app.router.add_post("/nurse/callbacks/change", change)
