"""The checks an answer and its example questions must pass, each with its fix in plain words.
One home for each rule: `make check-content` (tools/check_content.py) runs them over the files,
the nurses' answer editor (/nurse/answers, webapp/nurse.py) over one edited topic, so both give
the same verdicts. Pure: textstat for the reading grade, and the fingerprints of the source
documents for copying (core/copying.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import textstat

from core.content import word_count
from core.copying import copied_runs_in
from core.sources import SourceRef, check_refs

MAX_READING_GRADE = 8.0
MAX_ANSWER_WORDS = 70  # about one phone screen
# "Yes." answers "Can I eat?" and contradicts "Do I need to fast?": state the fact instead.
# ("No special time is needed" is a fact, not a bare no.)
BARE_YES_OR_NO = re.compile(r"\s*(?:(?:yes|yeah|yep|nope)\b|no\s*[.,!;:])", re.IGNORECASE)
MIN_TRAINING_EXAMPLES = 12
# An FAQ topic needs this many examples in varied styles to hold on new wordings (issue 14).
MIN_FAQ_EXAMPLES = 25
# A title is a "Did you mean" button: a short question a patient would tap.
MAX_TITLE_CHARS = 60


def reading_grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


def text_problems(name: str, text: str) -> list[str]:
    """Reading grade, a bare yes or no at the start, and length: for any reply's text."""
    problems = []
    grade = reading_grade(text)
    if grade > MAX_READING_GRADE:
        problems.append(
            f"{name} reads at school grade {grade:.1f}; the most is "
            f"{MAX_READING_GRADE:g}. Use shorter sentences and simpler words."
        )
    if BARE_YES_OR_NO.match(text):
        problems.append(
            f"{name} starts with yes or no, which contradicts a question asked "
            'the other way round. Start with the fact instead: "You can eat and '
            'drink as usual."'
        )
    words = word_count(text)
    if words > MAX_ANSWER_WORDS:
        problems.append(
            f"{name} has {words} words; the most is {MAX_ANSWER_WORDS} "
            "(one phone screen). Shorten it or split the topic."
        )
    return problems


def title_problems(name: str, title: str, other_titles: Mapping[str, str]) -> list[str]:
    """other_titles: {lower-cased title: the answer that has it}, other answers only."""
    if not title:
        return [
            f"{name} has no title. Add metadata: title: a short question a patient "
            'would tap on a "Did you mean" button.'
        ]
    if len(title) > MAX_TITLE_CHARS:
        return [f"{name}'s title has {len(title)} characters; the most is {MAX_TITLE_CHARS}."]
    if title.lower() in other_titles:
        return [f"{name} has the same title as {other_titles[title.lower()]}."]
    return []


def source_problems(name: str, refs: Iterable[SourceRef], registry: Mapping[str, Any]) -> list[str]:
    refs = list(refs)
    if not refs:
        return [
            f"{name} does not say where it comes from. Add "
            "metadata: sources: with a document and section from data/sources.yml."
        ]
    try:
        check_refs(refs, registry)
    except ValueError as error:
        return [f"{name} names a source that is not in data/sources.yml ({error})."]
    return []


def minimum_examples(intent: str) -> int:
    return MIN_FAQ_EXAMPLES if intent.startswith("faq/") else MIN_TRAINING_EXAMPLES


def example_count_problems(intent: str, count: int) -> list[str]:
    needed = minimum_examples(intent)
    if count >= needed:
        return []
    return [
        f"{intent} has {count} example "
        f"questions; it needs at least {needed}, in patients' own words: short, long "
        "with context first, with typos, two-part, in lay words."
    ]


def shared_example_problem(example: str, intents: Iterable[str]) -> str:
    return (
        f'the question "{example}" is under more than one '
        f"topic ({', '.join(sorted(intents))}). Keep it under one."
    )


def copying_problem(runs: list[str]) -> list[str]:
    if not runs:
        return []
    return [
        "some words are copied from the source documents. "
        "Say it in your own words:\n" + "\n".join(runs)
    ]


def copied_problems(where: str, text: str, known: set[str]) -> list[str]:
    """Runs of WORDS or more words of `text` found in the source documents' fingerprints."""
    return copying_problem([f"{where}: {run}" for run in copied_runs_in(text, known)])
