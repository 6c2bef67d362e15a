"""The nurses' decisions on the inbox (core/review/inbox.py), in their own writable database
(REVIEW_DB_URL: SQLite by default, PostgreSQL with the same URL style), never in the tracker
store. The web server creates the tables at start.

- inbox_decisions: one row per group decided, by its key, with who decided and when;
- proposals: what an "add as an example" or "new topic" decision proposes, as a draft, for
  the answer editor to turn into a change of data/nlu/ once a clinician has signed it off
  (core/review/signoff.py): status draft, then reviewed or rejected, with who and when;
- proposal_history: every change of a proposal's status, who made it, when, and the note;
- staff_accounts: the nurses' and clinicians' accounts (webapp/accounts.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.review.inbox import ADD_EXAMPLE, NEW_TOPIC, Decision, InboxGroup
from core.review.signoff import DRAFT, Review

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
    sa.Column("status", sa.String(20), nullable=False, default=DRAFT),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The clinician's sign-off or sending back (core/review/signoff.py).
    sa.Column("reviewed_by", sa.String(200)),
    sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    sa.Column("review_note", sa.Text),
)
HISTORY = sa.Table(
    "proposal_history",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False),
    sa.Column("from_status", sa.String(20)),  # none when the proposal was made
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
)
ACCOUNTS = sa.Table(
    "staff_accounts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),  # nurse | clinician
    sa.Column("password_hash", sa.Text, nullable=False),  # Argon2id, with its salt and costs
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)
# Columns added after the table's first release: added to an older database at start.
LATER_COLUMNS = {"proposals": ("reviewed_by", "reviewed_at", "review_note")}


class AlreadyDecided(Exception):
    """Someone decided on this group first."""


class NoSuchProposal(LookupError):
    """No proposal has that id."""


class AlreadyReviewed(Exception):
    """The proposal is no longer a draft: someone reviewed it first."""


class ReviewDatabase:
    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, future=True)
        self._tables_made = False

    def create_tables(self) -> None:
        """Makes the tables if they are missing (the web server does at start, and again on
        first use if the database was not reachable then)."""
        if not self._tables_made:
            METADATA.create_all(self.engine)
            self._add_later_columns()
            self._tables_made = True

    def _add_later_columns(self) -> None:
        inspector = sa.inspect(self.engine)
        for table_name, names in LATER_COLUMNS.items():
            present = {column["name"] for column in inspector.get_columns(table_name)}
            table = METADATA.tables[table_name]
            with self.engine.begin() as connection:
                for name in names:
                    if name not in present:
                        column = table.c[name]
                        kind = column.type.compile(dialect=self.engine.dialect)
                        connection.exec_driver_sql(
                            f"ALTER TABLE {table_name} ADD COLUMN {name} {kind}"
                        )

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
                    for wording in group.wordings:
                        proposal_id = connection.execute(
                            sa.insert(PROPOSALS).values(
                                decision_id=decision_id,
                                kind="example" if decision.kind == ADD_EXAMPLE else "topic",
                                topic=decision.topic,
                                title=decision.title,
                                text=wording,
                                status=DRAFT,
                                created_by=decided_by,
                                created_at=now,
                            )
                        ).inserted_primary_key[0]
                        connection.execute(
                            sa.insert(HISTORY).values(
                                proposal_id=proposal_id,
                                from_status=None,
                                to_status=DRAFT,
                                changed_by=decided_by,
                                changed_at=now,
                            )
                        )
        except sa.exc.IntegrityError:
            raise AlreadyDecided(decision.key) from None

    def proposals(self) -> list[dict]:
        """Every proposal, drafts first, the newest first within each status."""
        self.create_tables()
        drafts_first = sa.case((PROPOSALS.c.status == DRAFT, 0), else_=1)
        query = sa.select(PROPOSALS).order_by(
            drafts_first, PROPOSALS.c.created_at.desc(), PROPOSALS.c.id.desc()
        )
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def review(self, review: Review, reviewed_by: str) -> None:
        """Signs off a draft or sends it back, with who and when, and keeps the change in the
        history. Only a draft is reviewed, once: AlreadyReviewed when someone was first."""
        self.create_tables()
        now = dt.datetime.now(dt.timezone.utc)
        with self.engine.begin() as connection:
            status = connection.execute(
                sa.select(PROPOSALS.c.status).where(PROPOSALS.c.id == review.proposal_id)
            ).scalar()
            if status is None:
                raise NoSuchProposal(review.proposal_id)
            changed = connection.execute(
                sa.update(PROPOSALS)
                .where(PROPOSALS.c.id == review.proposal_id, PROPOSALS.c.status == DRAFT)
                .values(
                    status=review.to_status,
                    reviewed_by=reviewed_by,
                    reviewed_at=now,
                    review_note=review.note,
                )
            ).rowcount
            if not changed:
                raise AlreadyReviewed(review.proposal_id)
            connection.execute(
                sa.insert(HISTORY).values(
                    proposal_id=review.proposal_id,
                    from_status=DRAFT,
                    to_status=review.to_status,
                    changed_by=reviewed_by,
                    changed_at=now,
                    note=review.note,
                )
            )
