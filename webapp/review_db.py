"""The nurses' decisions on the inbox (core/review/inbox.py), in their own writable database
(REVIEW_DB_URL: SQLite by default, PostgreSQL with the same URL style), never in the tracker
store. The web server creates the tables at start.

- inbox_decisions: one row per group decided, by its key, with who decided and when;
- proposals: what an "add as an example" or "new topic" decision proposes, as a draft, for
  the answer editor to turn into a change of data/nlu/ once a clinician has signed it off.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.review.inbox import ADD_EXAMPLE, NEW_TOPIC, Decision, InboxGroup

METADATA = sa.MetaData()
DECISIONS = sa.Table(
    "inbox_decisions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    # The group's normalised words (core.review.inbox.key_of): one decision per group.
    sa.Column("group_key", sa.Text, nullable=False, unique=True),
    sa.Column("sample_text", sa.Text, nullable=False),  # masked, as first asked
    sa.Column("kind", sa.String(20), nullable=False),  # add_example | new_topic | dismiss
    sa.Column("topic", sa.String(200)),  # utter_faq/<topic>, for add_example
    sa.Column("proposed_title", sa.Text),  # for new_topic
    sa.Column("reason", sa.String(20)),  # off_topic | duplicate | nonsense, for dismiss
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
PROPOSALS = sa.Table(
    "proposals",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("inbox_decisions.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # example | topic
    sa.Column("topic", sa.String(200)),  # the topic an example is for
    sa.Column("title", sa.Text),  # a new topic's proposed title
    sa.Column("text", sa.Text, nullable=False),  # a patient's wording, masked
    sa.Column("status", sa.String(20), nullable=False, default="draft"),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class AlreadyDecided(Exception):
    """Someone decided on this group first."""


class ReviewDatabase:
    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, future=True)
        self._tables_made = False

    def create_tables(self) -> None:
        """Makes the tables if they are missing (the web server does at start, and again on
        first use if the database was not reachable then)."""
        if not self._tables_made:
            METADATA.create_all(self.engine)
            self._tables_made = True

    def decided_keys(self) -> list[str]:
        self.create_tables()
        with self.engine.connect() as connection:
            return list(connection.execute(sa.select(DECISIONS.c.group_key)).scalars())

    def keep(self, decision: Decision, group: InboxGroup, decided_by: str) -> None:
        """Keeps a decision on a group, with the drafts it proposes: each wording once, for a
        new example or a new topic."""
        self.create_tables()
        now = dt.datetime.now(dt.timezone.utc)
        try:
            with self.engine.begin() as connection:
                decision_id = connection.execute(
                    sa.insert(DECISIONS).values(
                        group_key=decision.key,
                        sample_text=group.text,
                        kind=decision.kind,
                        topic=decision.topic,
                        proposed_title=decision.title,
                        reason=decision.reason,
                        decided_by=decided_by,
                        decided_at=now,
                    )
                ).inserted_primary_key[0]
                if decision.kind in (ADD_EXAMPLE, NEW_TOPIC):
                    connection.execute(
                        sa.insert(PROPOSALS),
                        [
                            {
                                "decision_id": decision_id,
                                "kind": "example" if decision.kind == ADD_EXAMPLE else "topic",
                                "topic": decision.topic,
                                "title": decision.title,
                                "text": wording,
                                "status": "draft",
                                "created_by": decided_by,
                                "created_at": now,
                            }
                            for wording in group.wordings
                        ],
                    )
        except sa.exc.IntegrityError:
            raise AlreadyDecided(decision.key) from None
