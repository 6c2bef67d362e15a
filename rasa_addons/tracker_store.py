"""Rasa's SQL tracker store, reading only the events it has not seen yet, and handing out
trackers that build dialogue states for the recent turns only (recent_turns_tracker.py).

Rasa's own store reads and decodes every event of a conversation on every message: 62 ms at
turn 220, most of it turning JSON into events. This one keeps each recent conversation's decoded
events in memory and asks the database only for rows added since (by row id, which only grows).
The database stays the truth: a conversation whose earlier rows changed (deleted by `make
purge`), that started a new session, or whose rows another server added, is read again or
brought up to date, so several servers can share one database. Saving is Rasa's own.

Unlike Rasa's, it will not run without its database: it refuses to start when the database
cannot be reached or written, and counts failures while running, so that the REST channel
tells the patient the service is unavailable (Rasa would keep answering from memory and store
nothing) and its health check fails.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import EntitiesAdded, Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.recent_turns_tracker import RecentTurnsTracker

logger = logging.getLogger(__name__)

TIMESTAMP_INDEX = "ix_events_timestamp"
# About 4 KB of memory per event: 20,000 events is about 80 MB.
DEFAULT_CACHED_EVENTS = 20_000

# Every store in this process, for the health check and the failure count.
_STORES: weakref.WeakSet[CachedSQLTrackerStore] = weakref.WeakSet()


class DatabaseUnavailable(RuntimeError):
    pass


def database_failures() -> int:
    """Failed reads and writes so far, in every store of this process."""
    return sum(store.failures for store in _STORES)


def database_problem() -> str | None:
    """Why the conversation database cannot be used right now, or None."""
    for store in _STORES:
        try:
            store.check_database()
        except DatabaseUnavailable as error:
            return str(error)
    return None


def _where(url: Any) -> str:
    """The database's address without its password."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"


@dataclass
class _CachedConversation:
    events: list[Event]
    last_row_id: int
    rows_up_to_last: int  # rows of this sender with id <= last_row_id, across all sessions


class CachedSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self, *args: Any, cached_events: int = DEFAULT_CACHED_EVENTS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cached_events = int(cached_events)
        self._conversations: OrderedDict[str, _CachedConversation] = OrderedDict()
        self._events_in_cache = 0
        self.failures = 0
        self.check_database()
        self._index_timestamps()
        _STORES.add(self)

    def _index_timestamps(self) -> None:
        """The nurses' dashboard reads a period's events by time; without this index a month
        of a 90-day store takes 2.5 s instead of 1.7 s (docs/performance.md). Rasa indexes
        only sender_id. Created once, by whichever server starts first."""
        # Plain DDL: an sa.Index on SQLEvent's table would join Rasa's shared metadata, and
        # every SQLTrackerStore in the process would then try to create it again.
        statement = sa.text(f"CREATE INDEX IF NOT EXISTS {TIMESTAMP_INDEX} ON events (timestamp)")
        try:
            with self.engine.begin() as connection:
                connection.execute(statement)
        except sa.exc.SQLAlchemyError as error:  # another server created it at the same moment
            logger.debug("Timestamp index not created: %s", error)

    def check_database(self) -> None:
        """Raises DatabaseUnavailable unless the events table can be read and written."""
        try:
            with self.engine.connect() as connection:
                transaction = connection.begin()
                try:
                    connection.execute(
                        sa.text("UPDATE events SET sender_id = sender_id WHERE id = -1")
                    )
                finally:
                    transaction.rollback()
        except sa.exc.SQLAlchemyError as error:
            raise DatabaseUnavailable(
                f"Cannot use the conversation database at {_where(self.engine.url)} "
                f"({type(error).__name__}: {_first_line(getattr(error, 'orig', error))}). "
                "Start the database, or set TRACKER_STORE_URL to one that this server can reach and write."
            ) from None  # the reason above says it all; the driver's traceback would bury it

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            with self.session_scope() as session:
                events = self._updated_events(session, sender_id)
                if events is None:
                    events = self._read_latest_session(session, sender_id)
        except sa.exc.SQLAlchemyError as error:
            self._failed("read", error)
            raise
        if not events:
            return None
        return RecentTurnsTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)
        except sa.exc.SQLAlchemyError as error:
            self._failed("write", error)
            raise

    def _failed(self, what: str, error: Exception) -> None:
        self.failures += 1
        logger.error(
            "Could not %s a conversation in the database at %s: %s",
            what,
            _where(self.engine.url),
            type(error).__name__,
        )

    def _updated_events(self, session: Any, sender_id: str) -> list[Event] | None:
        """The cached events plus any rows added since, or None when they must be read again."""
        cached = self._conversations.get(sender_id)
        if cached is None:
            return None
        rows_up_to_last = self._count_rows(session, sender_id, cached.last_row_id)
        new_rows = (
            session.query(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > cached.last_row_id)
            .order_by(self.SQLEvent.id)
            .all()
        )
        if rows_up_to_last != cached.rows_up_to_last or any(
            row.type_name == SessionStarted.type_name for row in new_rows
        ):
            self._forget(sender_id)
            return None
        events = cached.events + _decode(new_rows)
        if new_rows:
            self._remember(sender_id, events, new_rows[-1].id, rows_up_to_last + len(new_rows))
        self._conversations.move_to_end(sender_id)
        return events

    def _read_latest_session(self, session: Any, sender_id: str) -> list[Event]:
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        events = _decode(rows)
        if rows:
            self._remember(
                sender_id, events, rows[-1].id, self._count_rows(session, sender_id, rows[-1].id)
            )
        return events

    def _count_rows(self, session: Any, sender_id: str, up_to_id: int) -> int:
        return (
            session.query(sa.func.count(self.SQLEvent.id))
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id <= up_to_id)
            .scalar()
        )

    def _remember(
        self, sender_id: str, events: list[Event], last_row_id: int, rows_up_to_last: int
    ) -> None:
        self._forget(sender_id)
        # EntitiesAdded changes the user message it follows each time it is replayed, so events
        # shared between trackers would drift; such conversations are always read afresh.
        if len(events) > self.cached_events or any(
            isinstance(event, EntitiesAdded) for event in events
        ):
            return
        self._conversations[sender_id] = _CachedConversation(events, last_row_id, rows_up_to_last)
        self._events_in_cache += len(events)
        while self._events_in_cache > self.cached_events:
            _, oldest = self._conversations.popitem(last=False)
            self._events_in_cache -= len(oldest.events)

    def _forget(self, sender_id: str) -> None:
        forgotten = self._conversations.pop(sender_id, None)
        if forgotten is not None:
            self._events_in_cache -= len(forgotten.events)


def _decode(rows: list[Any]) -> list[Event]:
    return deserialise_events([json.loads(row.data) for row in rows])


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:200] if str(error) else ""
