"""The nurses' decisions on the inbox (core/review/inbox.py), in their own writable database
(REVIEW_DB_URL: SQLite by default, PostgreSQL with the same URL style), never in the tracker
store. The web server creates the tables at start.

- inbox_decisions: one row per group decided, by its key, with who decided and when;
- proposals: what an "add as an example" or "new topic" decision proposes, as a draft, for
  the answer editor to turn into a change of data/nlu/ once a clinician has signed it off
  (core/review/signoff.py): status draft, then reviewed or rejected, with who and when;
- proposal_history: every change of a proposal's status, who made it, when, and the note;
- answer_edits: the answer editor's proposals (core/review/editor.py), one row per version
  of a topic's answer: the new title, text, sources and the examples added and removed, who
  proposed it, when and why, and the text it changed (for the history's diff); a draft until a
  clinician signs it off or sends it back, like the proposals;
- staff_accounts: the nurses' and clinicians' accounts (webapp/accounts.py);
- publications: each publishing of signed-off changes (webapp/publisher.py): who, when, each
  gate's result, the content files before and after, and the models before and after.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from core.review.editor import AnswerEdit
from core.review.inbox import ADD_EXAMPLE, NEW_TOPIC, Decision, InboxGroup
from core.review.signoff import DRAFT, PUBLISHED, REJECTED, REVIEWED, Review

METADATA = sa.MetaData()


def _draft_columns(made: str) -> list[sa.Column]:
    """A draft's status, who made it and when (<made>_by, <made>_at), and the clinician's
    sign-off or sending back (core/review/signoff.py)."""
    return [
        sa.Column("status", sa.String(20), nullable=False, default=DRAFT),
        sa.Column(f"{made}_by", sa.String(200), nullable=False),
        sa.Column(f"{made}_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(200)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("review_note", sa.Text),
    ]


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
    *_draft_columns("created"),
    sa.Column("publication_id", sa.Integer),  # the publication that put it live
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
ANSWER_EDITS = sa.Table(
    "answer_edits",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("topic", sa.String(200), nullable=False),  # utter_faq/<name>
    sa.Column("new_topic", sa.Boolean, nullable=False, default=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("sources", sa.Text, nullable=False),  # JSON: [["document", "section"], ...]
    sa.Column("examples_added", sa.Text, nullable=False),  # JSON lists of wordings
    sa.Column("examples_removed", sa.Text, nullable=False),
    sa.Column("why", sa.Text, nullable=False),
    sa.Column("previous_text", sa.Text, nullable=False),  # what it changed, for the diff
    *_draft_columns("proposed"),
    sa.Column("publication_id", sa.Integer),  # the publication that put it live
)
PUBLICATIONS = sa.Table(
    "publications",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    # running, then live or failed; a live one may later be rolled_back (webapp/publisher.py)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_by", sa.String(200), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("steps", sa.Text, nullable=False),  # JSON: [{key, state, summary, ...}]
    sa.Column("changes", sa.Text, nullable=False),  # JSON: what was published, in plain lines
    sa.Column("failure", sa.Text),  # what failed, in plain words
    sa.Column("git_commit", sa.String(64)),  # when the content directory is a git checkout
    # The content files before and after, by name under data/nlu/: rollback restores "before",
    # and without git this is the content's history.
    sa.Column("files_before", sa.Text),
    sa.Column("files_after", sa.Text),
    sa.Column("model_before", sa.Text),
    sa.Column("model_after", sa.Text),
    sa.Column("rolled_back_by", sa.String(200)),
    sa.Column("rolled_back_at", sa.DateTime(timezone=True)),
)
# Columns added after the table's first release: added to an older database at start.
LATER_COLUMNS = {
    "proposals": ("reviewed_by", "reviewed_at", "review_note", "publication_id"),
    "answer_edits": ("publication_id",),
}


class AlreadyDecided(Exception):
    """Someone decided on this group first."""


class NoSuchProposal(LookupError):
    """No proposal has that id."""


class AlreadyReviewed(Exception):
    """The proposal is no longer a draft: someone reviewed it first."""


class ReviewDatabase:
    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, future=True, hide_parameters=True)  # no data in logs
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
                        _record_history(connection, proposal_id, None, DRAFT, decided_by, now)
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
            _review_draft(connection, PROPOSALS, review, reviewed_by, now)
            _record_history(
                connection,
                review.proposal_id,
                DRAFT,
                review.to_status,
                reviewed_by,
                now,
                review.note,
            )

    def propose_edit(self, edit: AnswerEdit, previous_text: str, proposed_by: str) -> int:
        """Keeps a checked answer edit as a draft; its id."""
        self.create_tables()
        with self.engine.begin() as connection:
            return connection.execute(
                sa.insert(ANSWER_EDITS).values(
                    topic=edit.key,
                    new_topic=edit.new,
                    title=edit.title,
                    text=edit.text,
                    sources=json.dumps([[r.document, r.section] for r in edit.sources]),
                    examples_added=json.dumps(list(edit.added)),
                    examples_removed=json.dumps(list(edit.removed)),
                    why=edit.why,
                    previous_text=previous_text,
                    status=DRAFT,
                    proposed_by=proposed_by,
                    proposed_at=dt.datetime.now(dt.timezone.utc),
                )
            ).inserted_primary_key[0]

    def answer_edits(self, topic: str | None = None) -> list[dict]:
        """Answer edits, the oldest first (one topic's, or all), their JSON read."""
        self.create_tables()
        query = sa.select(ANSWER_EDITS).order_by(ANSWER_EDITS.c.proposed_at, ANSWER_EDITS.c.id)
        if topic is not None:
            query = query.where(ANSWER_EDITS.c.topic == topic)
        with self.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        for row in rows:
            for name in ("sources", "examples_added", "examples_removed"):
                row[name] = json.loads(row[name])
        return rows

    def last_signoffs(self) -> dict[str, dt.datetime]:
        """{topic: when a clinician last signed off an edit of it}."""
        self.create_tables()
        query = (
            sa.select(ANSWER_EDITS.c.topic, sa.func.max(ANSWER_EDITS.c.reviewed_at))
            .where(ANSWER_EDITS.c.status.in_((REVIEWED, PUBLISHED)))
            .group_by(ANSWER_EDITS.c.topic)
        )
        with self.engine.connect() as connection:
            return {topic: when for topic, when in connection.execute(query)}

    def review_edit(self, review: Review, reviewed_by: str) -> None:
        """Signs off an answer edit or sends it back: only a draft, once (AlreadyReviewed)."""
        self.create_tables()
        with self.engine.begin() as connection:
            _review_draft(
                connection, ANSWER_EDITS, review, reviewed_by, dt.datetime.now(dt.timezone.utc)
            )


def _record_history(
    connection, proposal_id: int, from_status: str | None, to_status: str, by: str, when, note=None
) -> None:
    """One change of a proposal's status in proposal_history."""
    connection.execute(
        sa.insert(HISTORY).values(
            proposal_id=proposal_id,
            from_status=from_status,
            to_status=to_status,
            changed_by=by,
            changed_at=when,
            note=note,
        )
    )


def _review_draft(connection, table: sa.Table, review: Review, reviewed_by: str, now) -> None:
    """Moves one draft of `table` to the review's status, with who and when: NoSuchProposal or
    AlreadyReviewed when it is not there or no longer a draft."""
    status = connection.execute(
        sa.select(table.c.status).where(table.c.id == review.proposal_id)
    ).scalar()
    if status is None:
        raise NoSuchProposal(review.proposal_id)
    changed = connection.execute(
        sa.update(table)
        .where(table.c.id == review.proposal_id, table.c.status == DRAFT)
        .values(
            status=review.to_status,
            reviewed_by=reviewed_by,
            reviewed_at=now,
            review_note=review.note,
        )
    ).rowcount
    if not changed:
        raise AlreadyReviewed(review.proposal_id)


class NotSignedOff(Exception):
    """The change is not signed off and waiting to be published."""


class PublicationLog:
    """The publications table, and the signed-off changes it publishes (webapp/publisher.py)."""

    def __init__(self, database: ReviewDatabase) -> None:
        self.database = database

    @property
    def engine(self) -> sa.engine.Engine:
        self.database.create_tables()
        return self.database.engine

    def signed_off(self) -> tuple[list[dict], list[dict]]:
        """(inbox proposals of examples, answer edits) signed off and not yet published, the
        oldest first: what the next publication writes."""
        with self.engine.connect() as connection:
            examples = connection.execute(
                sa.select(PROPOSALS)
                .where(PROPOSALS.c.status == REVIEWED, PROPOSALS.c.kind == "example")
                .order_by(PROPOSALS.c.reviewed_at, PROPOSALS.c.id)
            ).mappings()
            examples = [dict(row) for row in examples]
        edits = [e for e in self.database.answer_edits() if e["status"] == REVIEWED]
        return examples, edits

    def hold_back(self, table_name: str, row_id: int, by: str, note: str) -> None:
        """Takes a signed-off change out of publishing: it goes back as if sent back."""
        table = PROPOSALS if table_name == "proposals" else ANSWER_EDITS
        now = dt.datetime.now(dt.timezone.utc)
        with self.engine.begin() as connection:
            changed = connection.execute(
                sa.update(table)
                .where(table.c.id == row_id, table.c.status == REVIEWED)
                .values(status=REJECTED, review_note=note, reviewed_by=by, reviewed_at=now)
            ).rowcount
            if not changed:
                raise NotSignedOff(row_id)
            if table is PROPOSALS:
                _record_history(connection, row_id, REVIEWED, REJECTED, by, now, note)

    def start(self, by: str, steps: list[dict], changes: list[str]) -> int | None:
        """A new running publication's id; None when one is already running."""
        with self.engine.begin() as connection:
            running = connection.execute(
                sa.select(PUBLICATIONS.c.id).where(PUBLICATIONS.c.status == "running")
            ).first()
            if running:
                return None
            return connection.execute(
                sa.insert(PUBLICATIONS).values(
                    status="running",
                    started_by=by,
                    started_at=dt.datetime.now(dt.timezone.utc),
                    steps=json.dumps(steps),
                    changes=json.dumps(changes),
                )
            ).inserted_primary_key[0]

    def update(self, publication_id: int, **values) -> None:
        for name in ("steps", "files_before", "files_after"):
            if name in values and not isinstance(values[name], str):
                values[name] = json.dumps(values[name])
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(PUBLICATIONS).where(PUBLICATIONS.c.id == publication_id).values(**values)
            )

    def mark_changes(
        self, publication_id: int, proposal_ids: list[int], edit_ids: list[int], status: str
    ) -> None:
        """Sets the published changes' status (published, or rolled_back), with the
        publication's id."""
        now = dt.datetime.now(dt.timezone.utc)
        with self.engine.begin() as connection:
            for table, ids in ((PROPOSALS, proposal_ids), (ANSWER_EDITS, edit_ids)):
                if not ids:
                    continue
                before = connection.execute(
                    sa.select(table.c.id, table.c.status).where(table.c.id.in_(ids))
                ).all()
                connection.execute(
                    sa.update(table)
                    .where(table.c.id.in_(ids))
                    .values(status=status, publication_id=publication_id)
                )
                if table is PROPOSALS:
                    for row_id, old in before:
                        by = f"publication {publication_id}"
                        _record_history(connection, row_id, old, status, by, now)

    def changes_of(self, publication_id: int) -> tuple[list[int], list[int]]:
        with self.engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                list(
                    connection.execute(
                        sa.select(table.c.id).where(table.c.publication_id == publication_id)
                    ).scalars()
                )
                for table in (PROPOSALS, ANSWER_EDITS)
            )

    def get(self, publication_id: int) -> dict | None:
        with self.engine.connect() as connection:
            row = (
                connection.execute(
                    sa.select(PUBLICATIONS).where(PUBLICATIONS.c.id == publication_id)
                )
                .mappings()
                .first()
            )
        return _read_publication(row) if row else None

    def recent(self, limit: int = 20) -> list[dict]:
        """The latest publications, the newest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(PUBLICATIONS).order_by(PUBLICATIONS.c.id.desc()).limit(limit)
            ).mappings()
            return [_read_publication(row) for row in rows]

    def live(self) -> dict | None:
        """The publication whose content and model are live now, if any."""
        with self.engine.connect() as connection:
            row = (
                connection.execute(
                    sa.select(PUBLICATIONS)
                    .where(PUBLICATIONS.c.status == "live")
                    .order_by(PUBLICATIONS.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return _read_publication(row) if row else None

    def abandon_running(self, failure: str) -> None:
        """A publication still running when the web server starts was cut short."""
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(PUBLICATIONS)
                .where(PUBLICATIONS.c.status == "running")
                .values(
                    status="failed", failure=failure, finished_at=dt.datetime.now(dt.timezone.utc)
                )
            )


def _read_publication(row) -> dict:
    publication = dict(row)
    for name in ("steps", "changes", "files_before", "files_after"):
        if publication.get(name):
            publication[name] = json.loads(publication[name])
    return publication
