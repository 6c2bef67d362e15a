"""The nurses' figures, counted and grouped by the database (Rasa's `events` table).

SQLAlchemy Core, for SQLite and PostgreSQL alike. Rows are picked and grouped by Rasa's own
columns (type_name, intent_name, action_name, timestamp, sender_id). The JSON in `data` is read
only for what no column holds (an answer's topic, an escalation, a rating, a patient's words)
and only in the rows that need it, so a month of a busy clinic is a few table scans, not
every event decoded in Python. core.review.report turns the grouped rows into the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from core.names import FAQ_INTENT as FAQ
from core.names import FEEDBACK_SLOT, READING_KEY
from core.review.inbox import (
    LOW_CONFIDENCE,
    NOT_HELPFUL,
    UNANSWERED,
    InboxMessage,
    picked_a_suggestion,
    ranked_topics,
)
from core.review.pages import Page, matching, page_slice
from core.review.ratings import THUMB_INTENTS, THUMB_PAYLOAD_PREFIX
from core.review.report import (
    NOT_AN_ANSWER_ACTIONS,
    UNANSWERED_ACTIONS,
    UNANSWERED_INTENTS,
    AnswerRating,
    ConversationSummary,
    Report,
    Unanswered,
    conversation_words,
    count_escalations,
    count_ratings,
    count_topics,
    group_unanswered,
    time_of,
    worst_level,
)
from core.triage.messages import PAYLOAD_KEY

EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Period:
    """[start, end) in Unix seconds."""

    start: float
    end: float


def _in(period: Period, events: Any = EVENTS) -> ColumnElement:
    return sa.and_(events.c.timestamp >= period.start, events.c.timestamp < period.end)


def _json_text(
    connection: Connection, path: tuple[str, ...], events: Any = EVENTS
) -> ColumnElement:
    """The value at `path` in an event's JSON as text (an object or list as JSON text), NULL
    when it is missing. `data` is a TEXT column: PostgreSQL must be told to read it as JSON
    (as jsonb, which it reads faster), SQLite's JSON functions read it as it is."""
    document = (
        sa.cast(events.c.data, postgresql.JSONB)
        if connection.dialect.name == "postgresql"
        else sa.type_coerce(events.c.data, sa.JSON)
    )
    return document[path].as_string()


def _utc_day(connection: Connection) -> ColumnElement:
    """Days since 1970-01-01 (UTC). Timestamps are after 1970, so SQLite's cast (towards zero)
    is the floor; PostgreSQL's cast would round."""
    days = EVENTS.c.timestamp / DAY_SECONDS
    return sa.cast(days, sa.Integer) if connection.dialect.name == "sqlite" else sa.func.floor(days)


def _patient_message(connection: Connection, events: Any = EVENTS) -> ColumnElement:
    """A user message that is not a thumb (core.review.ratings.is_thumb). Only messages read
    as a thumb's intent have their text read: a handful, not every message."""
    thumb = sa.and_(
        sa.func.coalesce(events.c.intent_name, "").in_(THUMB_INTENTS),
        sa.func.coalesce(_json_text(connection, ("text",), events), "").startswith(
            THUMB_PAYLOAD_PREFIX, autoescape=True
        ),
    )
    return sa.and_(events.c.type_name == "user", sa.not_(thumb))


def _json_object(text: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class BotFacts:
    """What the bot messages and rating slots of a period carried."""

    topics: list[tuple]
    topics_by_day: dict[str, dict[str, int]]
    escalations_by_level: dict[str, int]
    escalations_by_reason: list[tuple]
    ratings: list[AnswerRating]


def bot_facts(connection: Connection, period: Period) -> BotFacts:
    """Answers by topic and day, escalations and ratings: one pass over the bot messages and
    rating slots, grouped by the answer, escalation or rating each carried."""
    bot = EVENTS.c.type_name == "bot"
    # Rasa stores a slot's name in action_name.
    rating = sa.and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name == FEEDBACK_SLOT)
    facts = (
        sa.select(
            sa.case((bot, _json_text(connection, ("metadata", "utter_action")))).label("answer"),
            sa.case((bot, _json_text(connection, ("data", "custom", PAYLOAD_KEY)))).label(
                "escalation"
            ),
            sa.case((rating, _json_text(connection, ("value",)))).label("rating"),
            sa.case((bot, _utc_day(connection))).label("day"),
            EVENTS.c.id,
        )
        .where(_in(period), sa.or_(bot, rating))
        .subquery()
    )
    keys = (facts.c.answer, facts.c.escalation, facts.c.rating, facts.c.day)
    grouped = connection.execute(
        sa.select(*keys, sa.func.count())
        .group_by(*keys)
        .order_by(sa.func.min(facts.c.id))  # earliest first: a reason is told in its first words
    ).all()
    topics, topics_by_day = count_topics(
        (answer, day, count) for answer, _, _, day, count in grouped if answer
    )
    levels, reasons = count_escalations(
        (payload, count)
        for _, escalation, _, _, count in grouped
        if (payload := _json_object(escalation))
    )
    ratings = count_ratings(
        (value, count) for _, _, rating, _, count in grouped if (value := _json_object(rating))
    )
    return BotFacts(topics, topics_by_day, levels, reasons, ratings)


def _unanswered_messages(connection: Connection, period: Period, message: Any, *more: Any) -> Any:
    """The patient messages of the period the assistant could not answer, as a query of their
    text, time and conversation (and `more` columns of `message`, EVENTS' alias), in order.

    A message is unanswered when its intent says so, or when the first action after it (other
    than listening) is an unanswered reply. So the search starts from those replies (few, found
    by their columns) and looks back, through the sender_id index, for the message or action
    just before each; only the messages found have their text read."""
    reply, previous = EVENTS.alias("reply"), EVENTS.alias("previous")
    came_before = (
        sa.select(sa.func.max(previous.c.id))
        .where(
            previous.c.sender_id == reply.c.sender_id,
            previous.c.id < reply.c.id,
            _in(period, previous),
            sa.or_(
                previous.c.type_name == "user",
                sa.and_(
                    previous.c.type_name == "action",
                    previous.c.action_name.not_in(NOT_AN_ANSWER_ACTIONS),
                ),
            ),
        )
        .scalar_subquery()
    )
    told_by_intent = sa.and_(
        reply.c.type_name == "user", reply.c.intent_name.in_(UNANSWERED_INTENTS)
    )
    told_by_reply = sa.and_(
        reply.c.type_name == "action", reply.c.action_name.in_(UNANSWERED_ACTIONS)
    )
    found = (
        sa.select(
            sa.case((told_by_intent, reply.c.id), else_=came_before).label("message_id"),
            told_by_intent.label("by_intent"),
        )
        .where(_in(period, reply), sa.or_(told_by_intent, told_by_reply))
        # Kept apart from the join below (neither database merges a subquery with an offset):
        # merged, PostgreSQL looked back twice per reply, and hashed every user message of the
        # period with its JSON instead of reading the few found by their id.
        .offset(0)
        .subquery()
    )
    return (
        sa.select(
            _json_text(connection, ("text",), message),
            message.c.timestamp,
            message.c.sender_id,
            *more,
        )
        .join_from(message, found, message.c.id == found.c.message_id)
        .where(
            _patient_message(connection, message),
            # A message whose intent said so is counted once, by its intent.
            sa.or_(
                found.c.by_intent,
                sa.func.coalesce(message.c.intent_name, "").not_in(UNANSWERED_INTENTS),
            ),
        )
        .order_by(message.c.id)
    )


def unanswered(connection: Connection, period: Period) -> list[Unanswered]:
    """Every patient message the assistant could not answer, grouped by its words."""
    rows = connection.execute(
        _unanswered_messages(connection, period, EVENTS.alias("message"))
    ).all()
    return group_unanswered((text or "", timestamp, sender) for text, timestamp, sender in rows)


def _with_escalations(
    connection: Connection, period: Period, conversations: list[ConversationSummary]
) -> list[ConversationSummary]:
    """The conversations with the most serious level each reached: only their bot messages'
    escalations are read."""
    level = _json_text(connection, ("data", "custom", PAYLOAD_KEY, "level"))
    rows = (
        connection.execute(
            sa.select(EVENTS.c.sender_id, level).where(
                EVENTS.c.sender_id.in_([c.id for c in conversations]),
                _in(period),
                EVENTS.c.type_name == "bot",
                level.is_not(None),
            )
        ).all()
        if conversations
        else []
    )
    levels: dict[str, list[str]] = {}
    for sender, reached in rows:
        levels.setdefault(sender, []).append(reached)
    return [replace(c, escalation=worst_level(levels.get(c.id, []))) for c in conversations]


def _per_conversation(connection: Connection, period: Period) -> Any:
    """Each conversation of the period with its patient messages: how many, and the first's time."""
    # By an expression, not the column: grouping by the column, SQLite would walk Rasa's
    # sender_id index and read every event of the table in that order, one random read each.
    conversation = EVENTS.c.sender_id.concat("")
    return (
        sa.select(
            conversation.label("id"),
            sa.func.count().label("messages"),
            sa.func.min(EVENTS.c.timestamp).label("started"),
        )
        .where(_in(period), _patient_message(connection))
        .group_by(conversation)
        .subquery()
    )


def count_conversations(connection: Connection, period: Period) -> tuple[int, int]:
    """(conversations with a patient message in the period, patient messages)."""
    per_conversation = _per_conversation(connection, period)
    conversations, messages = connection.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(per_conversation.c.messages), 0))
    ).one()
    return conversations, int(messages)  # PostgreSQL's sum is a decimal


def conversation_page(
    connection: Connection, period: Period, number: int, per_page: int
) -> tuple[int, int, Page[ConversationSummary]]:
    """(conversations, patient messages, one page of the conversations, newest first), in one
    pass: the totals come with the page's rows, and only those rows are read."""
    per_conversation = _per_conversation(connection, period)

    def page(shown: slice) -> Sequence[Any]:
        return connection.execute(
            sa.select(
                per_conversation,
                sa.func.count().over().label("conversations"),
                sa.func.sum(per_conversation.c.messages).over().label("all_messages"),
            )
            .order_by(per_conversation.c.started.desc(), per_conversation.c.id)
            .offset(shown.start)
            .limit(shown.stop - shown.start)
        ).all()

    rows = page(page_slice(None, number, per_page)[2])
    if rows:
        conversations, messages = rows[0].conversations, int(rows[0].all_messages)
    else:  # a page past the end (or nothing in the period): count, then show the last page
        conversations, messages = count_conversations(connection, period)
        rows = page(page_slice(conversations, number, per_page)[2]) if conversations else []
    number, pages, _ = page_slice(conversations, number, per_page)
    summaries = [
        ConversationSummary(row.id, time_of(row.started), row.messages, None) for row in rows
    ]
    return (
        conversations,
        messages,
        Page(_with_escalations(connection, period, summaries), number, pages, conversations),
    )


def _prefilter_word(words: str) -> str | None:
    """The longest searched word the database can look for in the stored events: plain ASCII
    letters (so that case folds alike in SQLite and PostgreSQL, and JSON stores it as typed), and
    not part of a mask ("[phone]", "[e-mail]"), which only the masked text holds."""
    usable = [
        word
        for word in words.lower().split()
        if word.isascii() and word.isalpha() and word not in "[phone]" and word not in "[e-mail]"
    ]
    return max(usable, key=len) if usable else None


def searched_conversation_page(
    connection: Connection, period: Period, words: str, number: int, per_page: int
) -> Page[ConversationSummary]:
    """One page of the conversations whose patient typed every word searched for. The words are
    searched in the masked text, as nurses see it, so every patient message's text is read
    (not the rest of its event)."""
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.timestamp, _json_text(connection, ("text",)))
        .where(_in(period), _patient_message(connection))
        .order_by(EVENTS.c.id)
    )
    if word := _prefilter_word(words):
        # Only conversations whose stored events hold that word somewhere: a superset of the
        # matches, found by the database without reading each message's JSON.
        events = EVENTS.alias("holding")
        holding = sa.select(events.c.sender_id).where(
            _in(period, events),
            events.c.type_name == "user",
            events.c.data.ilike(f"%{word}%"),
        )
        query = query.where(EVENTS.c.sender_id.in_(holding))
    rows = connection.execute(query).all()
    found = matching(
        conversation_words((sender, timestamp, text) for sender, timestamp, text in rows),
        words,
        lambda conversation: conversation.said,
    )
    number, pages, shown = page_slice(len(found), number, per_page)
    summaries = [conversation.summary() for conversation in found[shown]]
    return Page(_with_escalations(connection, period, summaries), number, pages, len(found))


def at_once(
    connect: Callable[[], AbstractContextManager[Connection]],
    *queries: Callable[[Connection], Any],
) -> list[Any]:
    """Each query's result, the queries run at once, each on its own connection from `connect`.
    The database does the work and its driver lets go of Python's lock meanwhile, so a page
    waits for its slowest scan, not for their sum (bench/dashboard.py). Each scan reads the
    database as it is when it starts."""

    def on_own_connection(query: Callable[[Connection], Any]) -> Any:
        with connect() as connection:
            return query(connection)

    with ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="review-query") as pool:
        running = [pool.submit(on_own_connection, query) for query in queries]
        return [result.result() for result in running]


def dashboard(
    connect: Callable[[], AbstractContextManager[Connection]],
    period: Period,
    words: str,
    number: int,
    per_page: int,
) -> tuple[Report, Page[ConversationSummary]]:
    """The figures of the period, and one page of its conversations (those whose patient typed
    every one of `words`, when given). Its three scans run at once."""

    def listed(connection: Connection) -> tuple[int, int, Page[ConversationSummary]]:
        if not words.split():
            return conversation_page(connection, period, number, per_page)
        conversations, messages = count_conversations(connection, period)
        page = searched_conversation_page(connection, period, words, number, per_page)
        return conversations, messages, page

    (conversations, messages, page), facts, not_answered = at_once(
        connect,
        listed,
        lambda connection: bot_facts(connection, period),
        lambda connection: unanswered(connection, period),
    )
    report = Report(
        conversations=conversations,
        messages=messages,
        topics=facts.topics,
        topics_by_day=facts.topics_by_day,
        unanswered=not_answered,
        escalations_by_level=facts.escalations_by_level,
        escalations_by_reason=facts.escalations_by_reason,
        ratings=facts.ratings,
    )
    return report, page


# An FAQ answer the response selector gave with less confidence than this goes to the inbox.
# The confidences (the response selector's and the second topic classifier's, averaged) sum to
# about 1 over ~50 topics: at 0.5 or more the chosen topic outweighs every other together; below
# it another reading was nearly as likely, and the nurses should see the wording
# (core/retrieval/decide.py rescues such answers by retrieval).
UNSURE_BELOW = 0.5
INBOX_PARSE_KEYS = (
    ("parse_data", READING_KEY),
    ("parse_data", "response_selector", FAQ, "ranking"),
)


def _inbox_columns(connection: Connection, message: Any) -> list[ColumnElement]:
    """What the inbox reads of each message found, besides its text: its row and how the
    assistant read it (to suggest topics)."""
    return [message.c.id, *(_json_text(connection, path, message) for path in INBOX_PARSE_KEYS)]


def _inbox_message(row: Any, why: str) -> InboxMessage:
    text, timestamp, sender, row_id, reading, ranking = row[:6]
    ranking_list = json.loads(ranking) if ranking else []
    return InboxMessage(
        row_id,
        text or "",
        timestamp,
        sender,
        why,
        ranked_topics(
            _json_object(reading), ranking_list if isinstance(ranking_list, list) else []
        ),
    )


def inbox_messages(
    connect: Callable[[], AbstractContextManager[Connection]], period: Period
) -> list[InboxMessage]:
    """The patient messages of the period the nurses' inbox shows: not answered (as the
    dashboard counts them) unless the patient picked a "Did you mean" topic; answered with low
    confidence; and those whose answer was rated 👎. Three scans, run at once."""
    unanswered_found, unsure, rated_down = at_once(
        connect,
        lambda connection: _unanswered_for_inbox(connection, period),
        lambda connection: _answered_unsure(connection, period),
        lambda connection: _rated_down(connection, period),
    )
    return unanswered_found + unsure + rated_down


def _unanswered_for_inbox(connection: Connection, period: Period) -> list[InboxMessage]:
    """Not answered, unless the patient then picked one of the "Did you mean" topics."""
    message, following = EVENTS.alias("message"), EVENTS.alias("following")
    next_reading = (
        sa.select(_json_text(connection, ("parse_data", READING_KEY), following))
        .where(
            following.c.sender_id == message.c.sender_id,
            following.c.id > message.c.id,
            following.c.type_name == "user",
        )
        .order_by(following.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return [
        _inbox_message(row, UNANSWERED)
        for row in connection.execute(
            _unanswered_messages(
                connection, period, message, *_inbox_columns(connection, message), next_reading
            )
        )
        if not picked_a_suggestion(_json_object(row[4]), _json_object(row[6]))
    ]


def _answered_unsure(connection: Connection, period: Period) -> list[InboxMessage]:
    """FAQ answers given with low confidence, or rescued by retrieval."""
    confidence = _json_text(
        connection, ("parse_data", "response_selector", FAQ, "response", "confidence")
    )
    how = _json_text(connection, ("parse_data", READING_KEY, "how"))
    return [
        _inbox_message(row, LOW_CONFIDENCE)
        for row in connection.execute(
            sa.select(
                _json_text(connection, ("text",)),
                EVENTS.c.timestamp,
                EVENTS.c.sender_id,
                *_inbox_columns(connection, EVENTS),
            )
            .where(
                _in(period),
                EVENTS.c.type_name == "user",
                EVENTS.c.intent_name == FAQ,
                _patient_message(connection),
                sa.or_(sa.cast(confidence, sa.Float) < UNSURE_BELOW, how == "retrieval"),
            )
            .order_by(EVENTS.c.id)
        )
    ]


def _rated_down(connection: Connection, period: Period) -> list[InboxMessage]:
    """The patient messages whose answers were rated 👎 in the period: for each rating (a few,
    found by their columns), the last answer it names before it, and the patient message just
    before that answer."""
    rating, bot, asked = EVENTS.alias("rating"), EVENTS.alias("bot"), EVENTS.alias("asked")
    answer = sa.select(sa.func.max(bot.c.id)).where(
        bot.c.sender_id == rating.c.sender_id,
        bot.c.id < rating.c.id,
        bot.c.type_name == "bot",
        _json_text(connection, ("metadata", "utter_action"), bot)
        == _json_text(connection, ("value", "answer"), rating),
    )
    question = (
        sa.select(sa.func.max(asked.c.id))
        .where(
            asked.c.sender_id == rating.c.sender_id,
            asked.c.id < answer.scalar_subquery(),
            _patient_message(connection, asked),
        )
        .scalar_subquery()
    )
    rows = connection.execute(
        sa.select(_json_text(connection, ("value",), rating), question).where(
            _in(period, rating),
            # Rasa stores a slot's name in action_name.
            rating.c.type_name == "slot",
            rating.c.action_name == FEEDBACK_SLOT,
        )
    ).all()
    ids = {
        row_id
        for value, row_id in rows
        if row_id is not None and (given := _json_object(value)) and given.get("helpful") is False
    }
    if not ids:
        return []
    message = EVENTS.alias("message")
    return [
        _inbox_message(row, NOT_HELPFUL)
        for row in connection.execute(
            sa.select(
                _json_text(connection, ("text",), message),
                message.c.timestamp,
                message.c.sender_id,
                *_inbox_columns(connection, message),
            )
            .where(message.c.id.in_(sorted(ids)))
            .order_by(message.c.id)
        )
    ]
