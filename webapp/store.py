"""Reads conversations from Rasa's SQL tracker store (the `events` table), and deletes old ones.

Any SQLAlchemy URL works: SQLite by default, PostgreSQL when TRACKER_STORE_URL says so.
Readers open the database read-only, so the dashboard can never change a conversation.
The dashboard's figures are counted by the database (webapp/review_queries.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.review.inbox import InboxMessage
from core.review.pages import PER_PAGE, Page
from core.review.report import AnswerRating, ConversationSummary, Report, Unanswered
from webapp import review_queries
from webapp.review_queries import EVENTS, Period


def _read_only(engine: sa.engine.Engine) -> None:
    statement = (
        "PRAGMA query_only = ON"
        if engine.dialect.name == "sqlite"
        else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(connection, _record):
        cursor = connection.cursor()
        cursor.execute(statement)
        cursor.close()
        connection.commit()  # else the pool's rollback undoes PostgreSQL's session setting


@dataclass
class PurgeResult:
    conversations: int
    events: int
    senders: list[str] = field(default_factory=list)  # the conversations deleted


class ConversationStore:
    def __init__(self, url: str, read_only: bool = True) -> None:
        self.engine = sa.create_engine(url, future=True, hide_parameters=True)  # no data in logs
        if read_only:
            _read_only(self.engine)

    def dashboard(
        self, start: float, end: float, words: str = "", page: int = 1, per_page: int = PER_PAGE
    ) -> tuple[Report, Page[ConversationSummary]]:
        """The figures of [start, end), and one page of its conversations (those whose patient
        typed every one of `words`, when given)."""
        return review_queries.dashboard(
            self.engine.connect, Period(start, end), words, page, per_page
        )

    def unanswered(self, start: float, end: float) -> list[Unanswered]:
        with self.engine.connect() as connection:
            return review_queries.unanswered(connection, Period(start, end))

    def inbox(self, start: float, end: float) -> list[InboxMessage]:
        return review_queries.inbox_messages(self.engine.connect, Period(start, end))

    def ratings(self, start: float, end: float) -> list[AnswerRating]:
        with self.engine.connect() as connection:
            return review_queries.bot_facts(connection, Period(start, end)).ratings

    def conversation(self, sender_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        )
        return self._events(query)

    def _events(self, query) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        events = []
        for sender_id, data in rows:
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                continue
            event["sender_id"] = sender_id
            events.append(event)
        return events

    def purge_older_than(self, days: float, now: float | None = None) -> PurgeResult:
        """Deletes whole conversations whose last event is older than `days` days."""
        cutoff = (now if now is not None else time.time()) - days * 86400
        stale = (
            sa.select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
        )
        with self.engine.begin() as connection:
            senders = [row[0] for row in connection.execute(stale)]
            deleted = 0
            for start in range(0, len(senders), 500):
                batch = senders[start : start + 500]
                deleted += connection.execute(
                    sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch))
                ).rowcount
        return PurgeResult(conversations=len(senders), events=deleted, senders=senders)
