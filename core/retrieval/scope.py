"""Whether a message is about something the two documents do not cover (data/scope.yml):
it names a word of an `outside` class (another test, another treatment, a pet, a duct in a
house) and no anchor that keeps it in scope (the ductogram, prolactin, infusions ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from core.paths import data_file

SCOPE_FILE = data_file("SCOPE_FILE", "scope.yml")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\u2019-][a-z0-9]+)*")


# An anchor that opens with one of these ("the test", "this procedure") points back to a subject.
POINTING_WORDS = frozenset({"the", "this", "that", "my", "her", "your"})
# "not breastfeeding", "never had chemo": a negation this many words before an outside word.
NEGATION_REACH = 2


def _negates(word: str) -> bool:
    return word in ("not", "no", "never", "without") or word.endswith("n't")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def _matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word in (pattern, pattern + "s", pattern + "es") or word == pattern.rstrip("s")


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Phrase:
        return cls(tuple(str(text).lower().split()))

    def starts(self, words: Sequence[str], unless_negated: bool = False) -> list[int]:
        """Where in `words` the phrase is found."""
        size = len(self.words)
        return [
            i
            for i in range(len(words) - size + 1)
            if all(_matches(p, w) for p, w in zip(self.words, words[i : i + size], strict=False))
            and not (
                unless_negated and any(_negates(w) for w in words[max(0, i - NEGATION_REACH) : i])
            )
        ]

    def found_in(self, words: Sequence[str], unless_negated: bool = False) -> bool:
        return bool(self.starts(words, unless_negated))

    @property
    def points_back(self) -> bool:
        """ "the test", "my port": names a subject only by pointing back to one already named."""
        return self.words[0] in POINTING_WORDS


@dataclass(frozen=True)
class Scope:
    anchors: tuple[Phrase, ...]
    shared_subjects: tuple[Phrase, ...]
    outside: dict[str, tuple[Phrase, ...]]  # class name -> phrases

    def outside_class(self, text: str) -> str | None:
        """The first outside class the message names, unless it names an anchor; else None."""
        words = tokens(text)
        if any(anchor.found_in(words) for anchor in self.anchors):
            return None
        for name, phrases in self.outside.items():
            if any(phrase.found_in(words, unless_negated=True) for phrase in phrases):
                return name
        return None

    def points_back(self, text: str) -> bool:
        """The text names a subject only by pointing back to it ("the test", "my port")."""
        words = tokens(text)
        return any(anchor.points_back and anchor.found_in(words) for anchor in self.anchors)

    def subjects(self, text: str) -> list[str]:
        """The things of the documents a text names by name, as written ("galactogram", "port
        catheter", "prolactin"), in order; anchors that only point back ("the test") are left out."""
        words = tokens(text)
        found = sorted(
            (start, " ".join(words[start : start + len(anchor.words)]))
            for anchor in self.anchors + self.shared_subjects
            if not anchor.points_back
            for start in anchor.starts(words)
        )
        return list(dict.fromkeys(words for _, words in found))


@cache
def load_scope(path: Path = SCOPE_FILE) -> Scope:
    from core.triage.rules import load_rulebook

    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    rulebook_context = load_rulebook().context
    outside = {}
    for name, spec in raw["outside"].items():
        words = list(spec.get("words") or []) + list(
            rulebook_context.get(spec.get("from_rule_book") or "", [])
        )
        outside[name] = tuple(Phrase.parse(word) for word in words)
    return Scope(
        tuple(Phrase.parse(anchor) for anchor in raw["anchors"]),
        tuple(Phrase.parse(subject) for subject in raw.get("shared_subjects") or []),
        outside,
    )
