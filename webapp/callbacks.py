"""Call-back requests (core/review/callbacks.py) in the tracker store's database
(TRACKER_STORE_URL: SQLite by default, PostgreSQL when it says so), next to the conversations
they come from, so that a patient's "delete my conversation" deletes both in one transaction.
The web server creates the tables at start; Rasa never reads them.

- callback_requests: one row per request: who to call, on what number, when is good, when she
  agreed and asked, the escalation her conversation had reached then, and the nurses' progress
  (new, called, closed) with who changed it last, when, and their note. One open request per
  conversation: asking again updates it.
- callback_history: every change of a request (made, asked again, called, closed), by whom,
  when, from and to which state, and the note.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.review.callbacks import (
    CLOSED,
    NEW,
    PATIENT,
    CallbackRequest,
    check_transition,
    level_rank,
    most_serious_triage,
    queue_order,
)
from webapp.review_queries import EVENTS

METADATA = sa.MetaData()
REQUESTS = sa.Table(
    "callback_requests",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(100), nullable=False, index=True),
    sa.Column("first_name", sa.String(60), nullable=False),
    sa.Column("phone", sa.String(40), nullable=False),
    sa.Column("good_time", sa.String(100), nullable=False),
    sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("triage_level", sa.String(20)),  # emergency | urgent | routine | NULL
    sa.Column("triage_reasons", sa.Text, nullable=False),  # JSON list of the `why` lines
    sa.Column("status", sa.String(20), nullable=False),  # new | called | closed
    sa.Column("status_by", sa.String(200)),
    sa.Column("status_at", sa.DateTime(timezone=True)),
    sa.Column("note", sa.Text),
)
# Never two open requests for one conversation, even when two arrive at once.
sa.Index(
    "one_open_callback_per_conversation",
    REQUESTS.c.conversation_id,
    unique=True,
    sqlite_where=REQUESTS.c.status != CLOSED,
    postgresql_where=REQUESTS.c.status != CLOSED,
)
HISTORY = sa.Table(
    "callback_history",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "request_id",
        sa.Integer,
        sa.ForeignKey("callback_requests.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("from_status", sa.String(20)),  # none when the request was made
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
)
CLOSED_LISTED = 50  # the queue lists this many closed requests, the latest first
UTC = dt.timezone.utc


class NoSuchRequest(LookupError):
    """No call-back request has that id."""


class ChangedMeanwhile(Exception):
    """Someone changed the request between reading and writing it."""


@dataclass(frozen=True)
class Kept:
    request_id: int
    merged: bool  # the conversation's open request was updated
    triage_level: str | None


@dataclass(frozen=True)
class Forgotten:
    events: int
    callbacks: int


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(UTC)


def _aware(moment: Any) -> Any:
    """SQLite gives back the UTC times it keeps without their zone."""
    if isinstance(moment, dt.datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _history(connection, request_id: int, from_status, to_status, by, when, note=None) -> None:
    connection.execute(
        sa.insert(HISTORY).values(
            request_id=request_id,
            from_status=from_status,
            to_status=to_status,
            changed_by=by,
            changed_at=when,
            note=note,
        )
    )


def _has_events(connection) -> bool:
    """Rasa makes the events table on its first conversation."""
    return sa.inspect(connection).has_table(EVENTS.name)


class CallbackStore:
    def __init__(self, url: str) -> None:
        # hide_parameters: a database error's text would otherwise carry names and numbers
        # into the logs.
        self.engine = sa.create_engine(url, future=True, hide_parameters=True)
        self._tables_made = False

    def create_tables(self) -> None:
        """Makes the tables if they are missing (the web server does at start, and again on
        first use if the database was not reachable then)."""
        if not self._tables_made:
            METADATA.create_all(self.engine)
            self._tables_made = True

    def _triage(self, connection, conversation: str) -> tuple[str | None, list[str]]:
        """The conversation's most serious escalation so far, from its bot events."""
        if not _has_events(connection):
            return None, []
        query = (
            sa.select(EVENTS.c.data)
            .where(EVENTS.c.sender_id == conversation, EVENTS.c.type_name == "bot")
            .order_by(EVENTS.c.id)
        )
        events = []
        for (data,) in connection.execute(query):
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                continue
            if isinstance(event, dict):
                events.append(event)
        return most_serious_triage(events)

    def keep(self, request: CallbackRequest, now: dt.datetime | None = None) -> Kept:
        """Keeps a request with the escalation its conversation has reached. A conversation
        with an open request has it updated (merged), back to new if it was called already."""
        self.create_tables()
        when = _now(now)
        try:
            return self._keep(request, when)
        except sa.exc.IntegrityError:  # another request of the conversation came in first
            return self._keep(request, when)

    def _keep(self, request: CallbackRequest, when: dt.datetime) -> Kept:
        details = {
            "first_name": request.first_name,
            "phone": request.phone,
            "good_time": request.good_time,
            "consent_at": when,
            "updated_at": when,
        }
        with self.engine.begin() as connection:
            level, why = self._triage(connection, request.conversation)
            details |= {"triage_level": level, "triage_reasons": json.dumps(why)}
            found = connection.execute(
                sa.select(REQUESTS.c.id, REQUESTS.c.status).where(
                    REQUESTS.c.conversation_id == request.conversation,
                    REQUESTS.c.status != CLOSED,
                )
            ).first()
            if found is not None:
                request_id, status = found
                changed = {"status": NEW, "status_by": PATIENT, "status_at": when}
                connection.execute(
                    sa.update(REQUESTS)
                    .where(REQUESTS.c.id == request_id)
                    .values(**details, **(changed if status != NEW else {}))
                )
                _history(
                    connection,
                    request_id,
                    status,
                    NEW,
                    PATIENT,
                    when,
                    f"{request.first_name}, {request.good_time}",  # the number only in the request
                )
                return Kept(request_id, True, level)
            request_id = connection.execute(
                sa.insert(REQUESTS).values(
                    conversation_id=request.conversation,
                    requested_at=when,
                    status=NEW,
                    **details,
                )
            ).inserted_primary_key[0]
            _history(connection, request_id, None, NEW, PATIENT, when)
            return Kept(request_id, False, level)

    def change_status(
        self,
        request_id: int,
        to_status: str,
        changed_by: str,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> None:
        """A nurse's change (core.review.callbacks.TRANSITIONS: NotAllowed otherwise), recorded
        in the history with who, when and the note. NoSuchRequest, or ChangedMeanwhile when
        someone changed it first."""
        self.create_tables()
        when = _now(now)
        with self.engine.begin() as connection:
            status = connection.execute(
                sa.select(REQUESTS.c.status).where(REQUESTS.c.id == request_id)
            ).scalar()
            if status is None:
                raise NoSuchRequest(request_id)
            check_transition(status, to_status)
            changed = connection.execute(
                sa.update(REQUESTS)
                .where(REQUESTS.c.id == request_id, REQUESTS.c.status == status)
                .values(
                    status=to_status,
                    status_by=changed_by,
                    status_at=when,
                    note=note or None,
                    updated_at=when,
                )
            ).rowcount
            if changed != 1:
                raise ChangedMeanwhile(request_id)
            _history(connection, request_id, status, to_status, changed_by, when, note or None)

    def count_new(self) -> int:
        """How many requests no nurse has called yet (one COUNT: every nurse page shows it)."""
        self.create_tables()
        query = sa.select(sa.func.count()).select_from(REQUESTS).where(REQUESTS.c.status == NEW)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def queue(self, closed_listed: int = CLOSED_LISTED) -> list[dict[str, Any]]:
        """The open requests in the order to call them (core.review.callbacks.queue_order),
        then the latest closed ones; each with its reasons read and its history, oldest first."""
        self.create_tables()
        open_query = sa.select(REQUESTS).where(REQUESTS.c.status != CLOSED)
        closed_query = (
            sa.select(REQUESTS)
            .where(REQUESTS.c.status == CLOSED)
            .order_by(REQUESTS.c.updated_at.desc(), REQUESTS.c.id.desc())
            .limit(closed_listed)
        )
        with self.engine.connect() as connection:
            open_rows = [dict(row) for row in connection.execute(open_query).mappings()]
            # An open request shows the escalation the conversation has reached by now: an
            # emergency reported after she asked moves her up the queue.
            for row in open_rows:
                level, why = self._triage(connection, row["conversation_id"])
                if level_rank(level) < level_rank(row["triage_level"]):
                    row["triage_level"], row["triage_reasons"] = level, json.dumps(why)
            rows = open_rows + [dict(row) for row in connection.execute(closed_query).mappings()]
            history = self._history_of(connection, [row["id"] for row in rows])
        for row in rows:
            for name in ("consent_at", "requested_at", "updated_at", "status_at"):
                row[name] = _aware(row[name])
            row["triage_reasons"] = _reasons(row["triage_reasons"])
            row["history"] = history.get(row["id"], [])
        return queue_order(rows)

    def _history_of(self, connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = {}
        for start in range(0, len(ids), 500):
            query = (
                sa.select(HISTORY)
                .where(HISTORY.c.request_id.in_(ids[start : start + 500]))
                .order_by(HISTORY.c.changed_at, HISTORY.c.id)
            )
            for row in connection.execute(query).mappings():
                change = dict(row)
                change["changed_at"] = _aware(change["changed_at"])
                found.setdefault(change["request_id"], []).append(change)
        return found

    def request(self, request_id: int) -> dict[str, Any] | None:
        self.create_tables()
        with self.engine.connect() as connection:
            row = (
                connection.execute(sa.select(REQUESTS).where(REQUESTS.c.id == request_id))
                .mappings()
                .first()
            )
            if row is None:
                return None
            found = dict(row)
            found["history"] = self._history_of(connection, [request_id]).get(request_id, [])
        found["triage_reasons"] = _reasons(found["triage_reasons"])
        return found

    def forget(self, conversation: str) -> Forgotten:
        """Deletes a conversation: every events row with its sender id, and its call-back
        requests with their history, in one transaction."""
        self.create_tables()
        with self.engine.begin() as connection:
            events = 0
            if _has_events(connection):
                events = connection.execute(
                    sa.delete(EVENTS).where(EVENTS.c.sender_id == conversation)
                ).rowcount
            callbacks = _delete_requests(connection, REQUESTS.c.conversation_id == conversation)
        return Forgotten(events, callbacks)

    def purge_older_than(
        self, days: float, now: float | None = None, conversations: Iterable[str] = ()
    ) -> int:
        """Deletes requests last changed more than `days` days ago, and those of the
        `conversations` a purge deleted; how many."""
        self.create_tables()
        cutoff = dt.datetime.fromtimestamp(
            (now if now is not None else time.time()) - days * 86400, UTC
        )
        purged = list(conversations)
        deleted = 0
        with self.engine.begin() as connection:
            deleted += _delete_requests(connection, REQUESTS.c.updated_at < cutoff)
            for start in range(0, len(purged), 500):
                deleted += _delete_requests(
                    connection, REQUESTS.c.conversation_id.in_(purged[start : start + 500])
                )
        return deleted


def _delete_requests(connection, condition) -> int:
    ids = sa.select(REQUESTS.c.id).where(condition)
    connection.execute(sa.delete(HISTORY).where(HISTORY.c.request_id.in_(ids)))
    return connection.execute(sa.delete(REQUESTS).where(condition)).rowcount


def _reasons(stored: str | None) -> list[str]:
    try:
        reasons = json.loads(stored or "[]")
    except ValueError:
        return []
    return [str(r) for r in reasons] if isinstance(reasons, list) else []
