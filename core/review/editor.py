"""The nurses' answer editor (/nurse/answers): a topic as the editor shows it, what a submitted
edit asks for, the checks it must pass (core/content_checks.py, the same as `make
check-content`), the review-by date and the word diff of the history. Pure logic: the web server
keeps the edits, as drafts a clinician signs off (webapp/review_db.py, core/review/signoff.py).
Publishing a signed-off edit into data/nlu/ is a later step."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.content import faq_responses, training_examples
from core.content_checks import (
    copied_problems,
    example_count_problems,
    shared_example_problem,
    source_problems,
    text_problems,
    title_problems,
)
from core.sources import SourceRef, source_refs

ANSWER = "utter_faq/"
INTENT = "faq/"
# A published answer is due for a clinician's review this long after its last sign-off.
REVIEW_AFTER_DAYS = 365
MAX_WHY = 500
MAX_TEXT = 2000
MAX_EXAMPLES = 200
NEW_KEY = re.compile(r"[a-z][a-z0-9_]{2,59}")


@dataclass(frozen=True)
class Topic:
    """A published topic: its answer, title, sources and example questions."""

    key: str  # utter_faq/<name>
    title: str
    text: str
    sources: tuple[SourceRef, ...]
    examples: tuple[str, ...]

    @property
    def intent(self) -> str:
        return INTENT + self.key[len(ANSWER) :]


@dataclass(frozen=True)
class AnswerEdit:
    """What a nurse's form proposes for one topic (a new one when `new`)."""

    key: str
    new: bool
    title: str
    text: str
    sources: tuple[SourceRef, ...]
    examples: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    why: str

    @property
    def intent(self) -> str:
        return INTENT + self.key[len(ANSWER) :]


def published_topics() -> dict[str, Topic]:
    """Every FAQ topic as data/nlu/ has it, by answer name."""
    examples = training_examples()
    return {
        name: Topic(
            name,
            str((response.get("metadata") or {}).get("title") or "").strip(),
            str(response.get("text") or "").strip(),
            tuple(source_refs(response)),
            tuple(examples.get(INTENT + name[len(ANSWER) :], [])),
        )
        for name, response in sorted(faq_responses().items())
    }


def source_choices(registry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[("document/section", "Short title — Section title")] for the editor's list."""
    return [
        (f"{doc}/{section}", f"{document['short_title']} — {details['title']}")
        for doc, document in registry.items()
        for section, details in document["sections"].items()
    ]


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def read_edit(form: Mapping[str, Any], topics: Mapping[str, Topic]) -> tuple[AnswerEdit, list[str]]:
    """The edit a submitted form asks for, and what is wrong with the form itself (a missing
    topic, why or answer). `form["sources"]` is a list of "document/section"; examples one a
    line."""
    problems = []
    new = bool(form.get("new"))
    name = _one_line(str(form.get("topic", ""))).lower()
    key = name if name.startswith(ANSWER) else ANSWER + name
    if new:
        if not NEW_KEY.fullmatch(key[len(ANSWER) :]):
            problems.append(
                "Please give the new topic a short name of lower-case letters, digits and _ "
                "(like ductogram_parking), 3 to 60 characters."
            )
        elif key in topics:
            problems.append(
                f"There is already a topic named {key[len(ANSWER) :]}: edit it instead."
            )
    elif key not in topics:
        problems.append("Please pick a topic from the list.")
    sources = []
    for value in form.get("sources") or []:
        document, _, section = str(value).partition("/")
        sources.append(SourceRef(document, section))
    examples: list[str] = []
    for line in str(form.get("examples", "")).splitlines():
        line = _one_line(line.removeprefix("- ") if line.strip().startswith("- ") else line)
        if line and line.lower() not in {e.lower() for e in examples}:
            examples.append(line)
    text = str(form.get("text", "")).strip()
    if not text:
        problems.append("Please write the answer.")
    elif len(text) > MAX_TEXT:
        problems.append(f"Please keep the answer under {MAX_TEXT} characters.")
    if len(examples) > MAX_EXAMPLES:
        problems.append(f"Please keep to {MAX_EXAMPLES} example questions.")
    old = topics[key].examples if key in topics and not new else ()
    edit = AnswerEdit(
        key=key,
        new=new,
        title=_one_line(str(form.get("title", ""))),
        text=text,
        sources=tuple(sources),
        examples=tuple(examples),
        added=tuple(e for e in examples if e.lower() not in {o.lower() for o in old}),
        removed=tuple(o for o in old if o.lower() not in {e.lower() for e in examples}),
        why=_one_line(str(form.get("why", ""))),
    )
    return edit, problems


def why_problems(edit: AnswerEdit) -> list[str]:
    """Proposing needs a reason, kept in the history."""
    if not edit.why:
        return ["Please say why you make this change; it is kept in the answer's history."]
    if len(edit.why) > MAX_WHY:
        return [f"Please keep the reason under {MAX_WHY} characters."]
    return []


def check_edit(
    edit: AnswerEdit,
    topics: Mapping[str, Topic],
    registry: Mapping[str, Any],
    fingerprints: set[str],
    other_intents: Mapping[str, list[str]] | None = None,
) -> list[str]:
    """The problems `make check-content` would find in this topic once the edit is in, each
    with its fix: title, source, reading grade, length, a bare yes or no, copying, too few
    examples, an example another topic already has."""
    others = {
        title.lower(): name for name, t in topics.items() if name != edit.key and (title := t.title)
    }
    problems = title_problems(edit.key, edit.title, others)
    problems += source_problems(edit.key, edit.sources, registry)
    problems += text_problems(edit.key, edit.text)
    problems += copied_problems("the answer", edit.text, fingerprints) + copied_problems(
        "the title", edit.title, fingerprints
    )
    problems += example_count_problems(edit.intent, len(edit.examples))
    owners: dict[str, set[str]] = {}
    for intent, examples in (
        other_intents if other_intents is not None else training_examples()
    ).items():
        if intent != edit.intent:
            for example in examples:
                owners.setdefault(example.lower(), set()).add(intent)
    for example in edit.examples:
        if example.lower() in owners:
            problems.append(
                shared_example_problem(example, owners[example.lower()] | {edit.intent})
            )
    return problems


def in_nurses_words(problem: str, titles: Mapping[str, str]) -> str:
    """A check's message names topics by their keys ("utter_faq/ductogram_duration"), as
    `make check-content` prints them; nurses see titles ("How long does a ductogram take?")."""

    def title(match: re.Match) -> str:
        key = f"utter_faq/{match.group(1)}"
        return f"“{titles[key]}”" if key in titles else match.group(0)

    return re.sub(r"\b(?:utter_)?faq/(\w+)", title, problem)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(kind, words)], kind "same", "removed" or "added": the change from old to new, word by
    word (the page escapes the words)."""
    a, b = old.split(), new.split()
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("added", " ".join(b[j1:j2])))
    return parts


def overdue(
    last_reviewed: Mapping[str, dt.date | None], today: dt.date
) -> list[tuple[str, dt.date | None]]:
    """[(topic, last review or None for never)] for topics whose review-by date has passed,
    the longest overdue first."""
    late = [
        (key, when)
        for key, when in last_reviewed.items()
        if when is None or today - when > dt.timedelta(days=REVIEW_AFTER_DAYS)
    ]
    return sorted(late, key=lambda item: (item[1] is not None, item[1] or dt.date.min, item[0]))


def review_by(last: dt.date | None) -> dt.date | None:
    return last + dt.timedelta(days=REVIEW_AFTER_DAYS) if last else None
