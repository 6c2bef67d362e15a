"""The nurses' inbox: what patients asked that the FAQ did not answer well, grouped by similar
wording, with the decisions nurses can take on each group. Pure logic: the database finds the
messages (webapp/review_queries.py) and keeps the decisions (webapp/review_db.py).

A group is known by its key: the sorted words of its first message, after masking, lower case,
punctuation and a few filler words out. A decision is kept against that key, and hides every
message whose words are similar to it (DecidedGroups), so the same question never comes back,
however it is spelled next time."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.names import ANSWER_PREFIX
from core.review.masking import mask
from core.review.report import time_of, topic_name

# Why a message is in the inbox.
UNANSWERED = "unanswered"
NOT_HELPFUL = "not_helpful"
LOW_CONFIDENCE = "low_confidence"
WHY_WORDS = {
    UNANSWERED: "not answered",
    NOT_HELPFUL: "rated not helpful",
    LOW_CONFIDENCE: "answered, unsure",
}
# Two wordings are one question when they share at least this share of their words (Jaccard
# similarity of the word sets): "capital of france" and "whats the capital of france" (0.67)
# group; "can I drive after" and "can I eat after" (0.33) do not.
SIMILAR = 0.6
# Words that carry no question of their own: dropped before comparing wordings.
STOP_WORDS = frozenset(
    "a an and the of to in on at for is are am be was it its this that my me i you u your "
    "do does did can could would will should so um hmm ok okay please hi hello".split()
)
SUGGESTIONS = 3

# What a nurse can decide.
ADD_EXAMPLE = "add_example"
NEW_TOPIC = "new_topic"
DISMISS = "dismiss"
DISMISS_REASONS = {"off_topic": "Off topic", "duplicate": "A duplicate", "nonsense": "Nonsense"}
MAX_TITLE = 120


def words_of(text: str) -> frozenset[str]:
    """The words that tell a wording apart: masked, lower case, no punctuation, no filler."""
    joined = re.sub(r"['’]", "", mask(text or "").lower())  # what's -> whats, as often typed
    plain = re.sub(r"[^\w\s]", " ", joined).replace("_", " ")
    return frozenset(word for word in plain.split() if word not in STOP_WORDS)


def key_of(words: frozenset[str]) -> str:
    return " ".join(sorted(words))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b  # messages of no words at all ("???") are one group
    return len(a & b) / len(a | b) >= SIMILAR


class WordSets:
    """Word sets in the order they were added, each found again by a similar one. Only the sets
    that share a word with it are compared (sets with no word in common are never similar), so
    a month of a busy clinic's messages is grouped in a fraction of a second, not by comparing
    each message with every group."""

    def __init__(self, sets: Iterable[frozenset[str]] = ()) -> None:
        self._sets: list[frozenset[str]] = []
        self._holding: dict[str, list[int]] = {}  # word -> the sets that hold it, in order
        self._first_empty: int | None = None
        for words in sets:
            self.add(words)

    def add(self, words: frozenset[str]) -> int:
        index = len(self._sets)
        self._sets.append(words)
        for word in words:
            self._holding.setdefault(word, []).append(index)
        if not words and self._first_empty is None:
            self._first_empty = index
        return index

    def first_similar(self, words: frozenset[str]) -> int | None:
        """The earliest added set similar to `words`, or None."""
        if not words:
            return self._first_empty
        sharing = sorted({index for word in words for index in self._holding.get(word, ())})
        return next((index for index in sharing if similar(words, self._sets[index])), None)


@dataclass(frozen=True)
class InboxMessage:
    """One patient message for the inbox, as the database found it."""

    id: int  # the event's row: a message found for two reasons is one message
    text: str
    timestamp: float
    conversation: str
    why: str
    # The model's own ranking for the message: topic keys ("ductogram_what_is"), best first.
    ranked: tuple[str, ...] = ()


@dataclass
class InboxGroup:
    key: str
    words: frozenset[str]
    text: str  # masked, as first asked
    count: int = 0
    why: Counter = field(default_factory=Counter)
    wordings: list[str] = field(default_factory=list)  # each masked wording once, first first
    asked: list[dict[str, str]] = field(default_factory=list)  # [{"time", "conversation"}]
    votes: Counter = field(default_factory=Counter)  # topic -> how highly the model ranked it

    @property
    def suggestions(self) -> list[str]:
        """The topics the model ranked highest over the group's messages, as answer names."""
        best = sorted(self.votes.items(), key=lambda item: (-item[1], item[0]))
        return [ANSWER_PREFIX + topic for topic, _ in best[:SUGGESTIONS]]

    @property
    def reasons(self) -> list[str]:
        return [WHY_WORDS[why] for why in WHY_WORDS if self.why[why]]

    @property
    def proposed_title(self) -> str:
        """A first title for a new topic: the question as first asked, tidied."""
        title = re.sub(r"\s+", " ", self.text).strip()[:MAX_TITLE]
        title = title[:1].upper() + title[1:]
        return title if title.endswith("?") or not title else title.rstrip(".!") + "?"


class DecidedGroups:
    """The word sets nurses have decided on: a message similar to one of them stays hidden."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._decided = WordSets(frozenset(key.split()) for key in keys)
        self._seen: dict[frozenset[str], bool] = {}

    def __contains__(self, words: frozenset[str]) -> bool:
        if words not in self._seen:
            self._seen[words] = self._decided.first_similar(words) is not None
        return self._seen[words]


def group_messages(
    messages: Iterable[InboxMessage], decided: DecidedGroups | None = None
) -> list[InboxGroup]:
    """Open groups, most often asked first. Deterministic: messages are taken in the order they
    were asked (then by row), each joins the first group whose first wording it is similar
    to, else starts its own; messages similar to a decided group are left out."""
    decided = decided or DecidedGroups([])
    unique: dict[int, InboxMessage] = {}
    whys: dict[int, set[str]] = {}
    for message in messages:
        unique.setdefault(message.id, message)
        whys.setdefault(message.id, set()).add(message.why)
    groups: list[InboxGroup] = []
    first_wordings = WordSets()  # groups[i]'s words at i
    joined: dict[frozenset[str], int] = {}
    for message in sorted(unique.values(), key=lambda m: (m.timestamp, m.id)):
        words = words_of(message.text)
        if words in decided:
            continue
        # The same words join the same group again: groups only ever come after it.
        found = joined.get(words)
        if found is None:
            found = first_wordings.first_similar(words)
        wording = mask(message.text)
        if found is None:
            found = first_wordings.add(words)
            groups.append(InboxGroup(key_of(words), words, wording))
        joined[words] = found
        group = groups[found]
        group.count += 1
        group.why.update(whys[message.id])
        if wording not in group.wordings:
            group.wordings.append(wording)
        group.asked.append(
            {"time": time_of(message.timestamp), "conversation": message.conversation}
        )
        for rank, topic in enumerate(message.ranked[:SUGGESTIONS]):
            group.votes[topic] += SUGGESTIONS - rank
    return sorted(groups, key=lambda g: (-g.count, g.text))


@dataclass(frozen=True)
class Decision:
    """What a nurse decided on a group: add its wordings to a topic, start a new topic with
    them, or dismiss them for a reason."""

    key: str
    kind: str
    topic: str | None = None  # utter_faq/<topic>, for ADD_EXAMPLE
    title: str | None = None  # for NEW_TOPIC
    reason: str | None = None  # a DISMISS_REASONS key, for DISMISS


class NotAccepted(ValueError):
    """A decision that cannot be kept, with what to tell the nurse."""


def read_decision(form: Mapping[str, str], topics: Mapping[str, str]) -> Decision:
    """The decision a submitted form asks for; NotAccepted with a polite reason otherwise.
    topics: {answer name: title} of the FAQ as it is now."""
    key, kind = form.get("key", "").strip(), form.get("kind", "")
    if kind == ADD_EXAMPLE:
        topic = form.get("topic", "")
        if topic not in topics:
            raise NotAccepted("Please pick a topic from the list: that one is not in the FAQ.")
        return Decision(key, kind, topic=topic)
    if kind == NEW_TOPIC:
        title = re.sub(r"\s+", " ", form.get("title", "")).strip()
        if not title:
            raise NotAccepted("Please give the new topic a title.")
        if len(title) > MAX_TITLE:
            raise NotAccepted(f"Please keep the title under {MAX_TITLE} characters.")
        return Decision(key, kind, title=mask(title))
    if kind == DISMISS:
        reason = form.get("reason", "")
        if reason not in DISMISS_REASONS:
            raise NotAccepted(
                "Please pick why it is dismissed: off topic, a duplicate, or nonsense."
            )
        return Decision(key, kind, reason=reason)
    raise NotAccepted("Please choose what to do with the question.")


def topic_choices(topics: Iterable[str]) -> list[tuple[str, str]]:
    """Every topic as (answer name, title), in title order: the full list to pick from."""
    return sorted(((answer, topic_name(answer)) for answer in topics), key=lambda t: t[1].lower())


def ranked_topics(reading: Mapping | None, ranking: Iterable[Mapping] | None) -> tuple[str, ...]:
    """The topics the assistant thought of for a message, best first: those it offered or gave
    (its `faq_reading`), then the response selector's ranking ({"intent_response_key":
    "faq/<topic>", "confidence"}), highest confidence first."""
    reading = reading or {}
    offered = [*(reading.get("answers") or []), *(reading.get("suggestions") or [])]
    by_model = sorted(
        (entry for entry in ranking or [] if isinstance(entry, Mapping)),
        key=lambda entry: -float(entry.get("confidence") or 0.0),
    )
    model = [str(entry.get("intent_response_key") or "").partition("/")[2] for entry in by_model]
    return tuple(dict.fromkeys(topic for topic in [*offered, *model] if topic))


def picked_a_suggestion(reading: Mapping | None, next_reading: Mapping | None) -> bool:
    """Whether the patient answered a "Did you mean ...?" by tapping one of its topics: the
    button sends the topic's title, read as that topic ("how": "title")."""
    reading, following = reading or {}, next_reading or {}
    offered = set(reading.get("suggestions") or [])
    return (
        reading.get("how") == "suggest"
        and following.get("how") == "title"
        and bool(offered & set(following.get("answers") or []))
    )
