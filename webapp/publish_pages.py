"""The nurses' /nurse/publish page (webapp/publisher.py does the work): what is signed off and
waiting, the running publication's steps with the training's progress, the publications so far,
and the one-click rollback of the live one.

Anyone signed in may publish, but only what a clinician signed off: a nurse's draft is never
published. A clinician may hold a signed-off change back. The bearer token's script reads only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from aiohttp import web

from core.content import faq_titles
from core.review.publishing import describe
from core.review.signoff import CLINICIAN, REVIEWED
from webapp.publisher import (
    FAILED,
    LIVE,
    PASSED,
    ROLLED_BACK_PUBLICATION,
    RUNNING,
    WAITING,
    AlreadyPublishing,
    CannotRollBack,
    NothingToPublish,
    Publisher,
    changes_from,
)
from webapp.review_db import NotSignedOff, PublicationLog

PUBLISHER_KEY = web.AppKey("publisher", Publisher)
STATE_WORDS = {WAITING: "Waiting", RUNNING: "Running…", PASSED: "Passed", FAILED: "Failed"}
STATUS_WORDS = {
    RUNNING: "Publishing",
    LIVE: "Live",
    FAILED: "Not published: a check failed",
    ROLLED_BACK_PUBLICATION: "Rolled back",
}
NOTICES = {
    "started": "Publishing has started. This page shows each step as it runs.",
    "rolled_back": "Rolled back: the assistant answers with the content and model from before.",
    "held_back": "Held back: that change will not be published. Its note is kept.",
}
ONLY_CLINICIANS_HOLD_BACK = "Only a clinician can hold back a signed-off change."


def took(step: dict) -> str:
    """How long a finished step took ("7 min 42 s"), from the times the publisher kept."""
    if not (step.get("started") and step.get("finished")):
        return ""
    seconds = round(
        (
            dt.datetime.fromisoformat(step["finished"]) - dt.datetime.fromisoformat(step["started"])
        ).total_seconds()
    )
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def create_publish_routes(
    app: web.Application,
    publisher: Publisher,
    page: Callable[..., web.Response],
    who: Callable[[web.Request], tuple[str, str]],
    same_origin: Callable[[web.Request], None],
    off_the_event_loop: Callable,
) -> None:
    """`page` renders a nurse page; `who` gives the signed-in (name, role)."""
    app[PUBLISHER_KEY] = publisher
    log: PublicationLog = publisher.log

    async def publish_page(request: web.Request, status: int = 200, problem: str = ""):
        examples, edits = await off_the_event_loop(log.signed_off)
        titles = faq_titles()
        ready = [
            {
                "table": table,
                "id": row_id,
                "words": describe(change, titles),
                "signed_off_by": next(
                    r["reviewed_by"]
                    for r in (examples if table == "proposals" else edits)
                    if r["id"] == row_id
                ),
            }
            for table, row_id, change in changes_from(examples, edits)
        ]
        proposals = await off_the_event_loop(log.database.proposals)
        history = await off_the_event_loop(log.recent)
        running = next((p for p in history if p["status"] == RUNNING), None)
        done = request.query.get("done", "")
        live = next((p for p in history if p["status"] == LIVE), None)
        return page(
            request,
            "nurse_publish.html",
            status=status,
            problem=problem,
            # The page reloads itself while publishing: "started" only while it runs.
            notice=NOTICES.get(done, "") if done != "started" or running else "",
            ready=ready,
            new_topics=[p for p in proposals if p["kind"] == "topic" and p["status"] == REVIEWED],
            running=running,
            running_words=_running_words(running),
            history=history,
            live_id=live["id"] if live else None,
            can_hold_back=who(request)[1] == CLINICIAN,
            state_words=STATE_WORDS,
            took=took,
            status_words=STATUS_WORDS,
        )

    async def publish(request: web.Request) -> web.Response:
        return await publish_page(request)

    async def start(request: web.Request) -> web.Response:
        same_origin(request)
        try:
            await publisher.start(who(request)[0])
        except NothingToPublish:
            return await publish_page(
                request,
                status=409,
                problem="Nothing is signed off yet, so there is nothing to publish. A clinician "
                "signs changes off on the Proposals page.",
            )
        except AlreadyPublishing:
            return await publish_page(
                request, status=409, problem="A publication is already running: please wait."
            )
        raise web.HTTPSeeOther("/nurse/publish?done=started")

    async def rollback(request: web.Request) -> web.Response:
        same_origin(request)
        form = await request.post()
        number = str(form.get("publication", ""))
        if not number.isdigit():
            return await publish_page(request, status=400, problem="Please pick a publication.")
        try:
            await publisher.rollback(int(number), who(request)[0])
        except CannotRollBack as problem:
            return await publish_page(request, status=409, problem=str(problem))
        raise web.HTTPSeeOther("/nurse/publish?done=rolled_back")

    async def hold_back(request: web.Request) -> web.Response:
        same_origin(request)
        name, role = who(request)
        if role != CLINICIAN:
            return await publish_page(request, status=403, problem=ONLY_CLINICIANS_HOLD_BACK)
        form = await request.post()
        table, row_id = str(form.get("table", "")), str(form.get("id", ""))
        note = re.sub(r"\s+", " ", str(form.get("note", ""))).strip()[:500]
        if table not in ("proposals", "answer_edits") or not row_id.isdigit():
            return await publish_page(request, status=400, problem="Please pick a change.")
        if not note:
            return await publish_page(
                request, status=400, problem="Please say in the note why it is held back."
            )
        try:
            await off_the_event_loop(log.hold_back, table, int(row_id), name, note)
        except NotSignedOff:
            return await publish_page(
                request, status=409, problem="That change is no longer waiting to be published."
            )
        raise web.HTTPSeeOther("/nurse/publish?done=held_back")

    app.router.add_get("/nurse/publish", publish)
    app.router.add_post("/nurse/publish/start", start)
    app.router.add_post("/nurse/publish/rollback", rollback)
    app.router.add_post("/nurse/publish/hold-back", hold_back)


def _running_words(running: dict | None) -> str:
    if not running:
        return ""
    step = next((s for s in running["steps"] if s["state"] == RUNNING), None)
    if step is None:
        return "Starting…"
    return f"Now: {step['title']}" + (f" – {step['progress']}" if step.get("progress") else "")
