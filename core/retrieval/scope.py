"""Whether a message is about something the two documents do not cover (data/scope.yml).
Unless it names an anchor that keeps it in scope (the ductogram, prolactin, "the test"), it is
out of scope when it names
- a word of an `outside` class (another test, another treatment, a pet, a duct in a house), but
  another test named with a reaction to its dye is the ductogram's allergy question;
- a subject the documents cover in one respect only, without that respect ("how long does an
  IVIG infusion take": the documents speak of IVIG only as a cause of leaking);
- a test by its shape: a word naming what it looks at before "test", "scan" or "x-ray" ("a knee
  x-ray", "a cholesterol blood test"), or a word ending like a test's or an operation's name
  ("echocardiogram", "endoscopy"), with no sign the documents are about;
- none of the documents' subjects, nothing it points back to ("after it"), and a word that
  neither the assistant's training data, its red-flag rules nor common English use ("does
  getting an IUD put in hurt"), when the model's vocabulary is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

from core.edit_distance import edit_distance
from core.paths import data_file
from core.retrieval.vocabulary import Vocabulary, words_of
from core.synonyms import subject_word

SCOPE_FILE = data_file("SCOPE_FILE", "scope.yml")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\u2019-][a-z0-9]+)*")
_X_RAY = re.compile(r"\bx[ -]?ray")  # "xray", "x ray" and "x-ray" are one word
_CONTRACTION = re.compile(r"(n't|'s|'ve|'re|'ll|'d|'m)$")


# An anchor that opens with one of these ("the test", "this procedure") points back to a subject.
POINTING_WORDS = frozenset({"the", "this", "that", "my", "her", "your"})
# "not breastfeeding", "never had chemo": a negation this many words before an outside word.
NEGATION_REACH = 2


def _negates(word: str) -> bool:
    return word in ("not", "no", "never", "without") or word.endswith("n't")


def tokens(text: str) -> list[str]:
    words = _TOKEN.findall(_X_RAY.sub("x-ray", text.lower().replace("\u2019", "'")))
    return [subject_word(word) for word in words]


def _matches(pattern: str, word: str) -> bool:
    if word.endswith("'s") and pattern != word:  # "my cat's nipples" names a cat
        word = word[:-2]
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


def _phrases(words: list[str] | None) -> tuple[Phrase, ...]:
    return tuple(Phrase.parse(word) for word in words or [])


def _names_any(phrases: Sequence[Phrase], words: Sequence[str]) -> bool:
    return any(phrase.found_in(words) for phrase in phrases)


@dataclass(frozen=True)
class NarrowSubject:
    """A subject the documents cover in one respect only (data/scope.yml narrow_subjects)."""

    words: tuple[Phrase, ...]
    only_about: tuple[Phrase, ...]
    pointed_back_to: bool = True  # "it" in a later question may mean this subject

    def asked_beyond(self, words: Sequence[str]) -> bool:
        """The message names the subject but none of the respects the documents cover."""
        return _names_any(self.words, words) and not _names_any(self.only_about, words)


@dataclass(frozen=True)
class OtherTestShapes:
    """Another test named by what it looks at, before a test word (data/scope.yml test_shapes)."""

    heads: tuple[Phrase, ...]
    ours: frozenset[str]  # with English's common words
    unless: tuple[Phrase, ...]
    endings: tuple[str, ...] = ()
    not_endings: tuple[str, ...] = ()

    def another_test(self, words: Sequence[str]) -> bool:
        if _names_any(self.unless, words):
            return False
        named_by_what_it_looks_at = any(
            words[start - 1] not in self.ours and not words[start - 1].isdigit()
            for head in self.heads
            for start in head.starts(words)
            if start > 0
        )
        return named_by_what_it_looks_at or any(
            word.endswith(self.endings) and not self._ours(word) for word in words
        )

    def _ours(self, word: str) -> bool:
        """One of `not_endings`, with an ending or up to two letters wrong ("galactograms",
        "dutogram")."""
        return any(
            word.startswith(ours) or edit_distance(word, ours) <= (2 if len(ours) >= 9 else 0)
            for ours in self.not_endings
        )


@dataclass(frozen=True)
class UnfamiliarWords:
    """Naming none of the documents' subjects and a word they never use (data/scope.yml
    `unfamiliar`): the message asks about something else, whatever its shape."""

    subjects: tuple[Phrase, ...]
    common_log_prob: float
    min_length: int
    pointing: tuple[Phrase, ...] = ()  # "dizzy after it": about what was said before

    def found_in(self, words: Sequence[str], vocabulary: Vocabulary) -> list[str]:
        if _names_any(self.subjects, words) or _names_any(self.pointing, words):
            return []
        plain = [part for word in words for part in words_of(_CONTRACTION.sub("", word))]
        return vocabulary.unfamiliar(plain, self.min_length)


OTHER_TESTS = "other_tests"
UNFAMILIAR = "unfamiliar"


@dataclass(frozen=True)
class Scope:
    anchors: tuple[Phrase, ...]
    shared_subjects: tuple[Phrase, ...]
    outside: dict[str, tuple[Phrase, ...]]  # class name -> phrases
    narrow: dict[str, NarrowSubject] = field(default_factory=dict)  # class name -> subject
    test_shapes: OtherTestShapes | None = None
    unfamiliar: UnfamiliarWords | None = None
    reaction_words: tuple[Phrase, ...] = ()  # another test named with these is ours

    def vocabulary(self, texts: Iterable[str]) -> Vocabulary:
        """The given words (the model's: its examples and answers), the red-flag rule book's
        words (signs and symptoms are never unfamiliar), and common English with its
        contractions written without an apostrophe ("isnt", "thats")."""
        from spacy.lang.en.tokenizer_exceptions import TOKENIZER_EXCEPTIONS

        from core.triage.language import common_words
        from core.triage.rules import load_rulebook

        rulebook = load_rulebook()
        rule_words = [
            str(phrase)
            for phrases in [
                *(sign.terms + sign.not_in for sign in rulebook.signs.values()),
                *rulebook.word_classes.values(),
            ]
            for phrase in phrases
        ]
        log_prob = self.unfamiliar.common_log_prob if self.unfamiliar else 0.0
        contractions = frozenset(key.lower() for key in TOKENIZER_EXCEPTIONS if key.isalpha())
        return Vocabulary([*texts, *rule_words], common_words(log_prob) | contractions)

    def outside_class(self, text: str, vocabulary: Vocabulary | None = None) -> str | None:
        """The outside class the message is about, unless it names an anchor; else None. With
        the vocabulary, a message naming none of the subjects and an unfamiliar word is outside."""
        words = tokens(text)
        if _names_any(self.anchors, words):
            return None
        found = self._outside_class(words, vocabulary)
        if found == OTHER_TESTS and _names_any(self.reaction_words, words):
            return None  # a reaction to another test's dye: the ductogram's allergy question
        return found

    def _outside_class(self, words: list[str], vocabulary: Vocabulary | None) -> str | None:
        for name, phrases in self.outside.items():
            if any(phrase.found_in(words, unless_negated=True) for phrase in phrases):
                return name
        for name, subject in self.narrow.items():
            if subject.asked_beyond(words):
                return name
        if self.test_shapes and self.test_shapes.another_test(words):
            return OTHER_TESTS
        if self.unfamiliar and vocabulary and self.unfamiliar.found_in(words, vocabulary):
            return UNFAMILIAR
        return None

    def points_back(self, text: str) -> bool:
        """The text names a subject only by pointing back to it ("the test", "my port")."""
        words = tokens(text)
        return any(
            phrase.points_back and phrase.found_in(words) for phrase in self.anchors + self._narrow
        )

    @cached_property
    def _narrow(self) -> tuple[Phrase, ...]:
        return tuple(
            phrase
            for subject in self.narrow.values()
            if subject.pointed_back_to
            for phrase in subject.words
        )

    def subjects(self, text: str) -> list[str]:
        """The things of the documents a text names by name ("galactogram", "port catheter",
        "prolactin"), in order; what only points back ("the test", "the port") is left out."""
        words = tokens(text)
        pointed_at = {
            start + 1
            for phrase in self.anchors + self._narrow
            if phrase.points_back
            for start in phrase.starts(words)
        }
        found = sorted(
            (start, " ".join(words[start : start + len(phrase.words)]))
            for phrase in self.anchors + self.shared_subjects + self._narrow
            if not phrase.points_back
            for start in phrase.starts(words)
            if start not in pointed_at
        )
        return list(dict.fromkeys(words for _, words in found))


@cache
def load_scope(path: Path = SCOPE_FILE) -> Scope:
    from spacy.lang.en.stop_words import STOP_WORDS

    from core.triage.rules import load_rulebook

    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    rulebook_context = load_rulebook().context
    outside = {}
    for name, spec in raw["outside"].items():
        words = list(spec.get("words") or []) + list(
            rulebook_context.get(spec.get("from_rule_book") or "", [])
        )
        outside[name] = _phrases(words)
    shapes = raw.get("test_shapes")
    unfamiliar = raw.get("unfamiliar")
    return Scope(
        _phrases(raw["anchors"]),
        _phrases(raw.get("shared_subjects")),
        outside,
        {
            name: NarrowSubject(
                _phrases(spec["words"]),
                _phrases(spec["only_about"]),
                bool(spec.get("pointed_back_to", True)),
            )
            for name, spec in (raw.get("narrow_subjects") or {}).items()
        },
        OtherTestShapes(
            _phrases(shapes["heads"]),
            frozenset(shapes["ours"]) | STOP_WORDS,
            _phrases(shapes.get("unless")),
            tuple(shapes.get("endings") or ()),
            tuple(shapes.get("not_endings") or ()),
        )
        if shapes
        else None,
        UnfamiliarWords(
            _phrases(unfamiliar["subjects"] + (raw.get("shared_subjects") or []))
            + tuple(
                phrase
                for spec in (raw.get("narrow_subjects") or {}).values()
                for phrase in _phrases(spec["words"])
            ),
            float(unfamiliar["common_log_prob"]),
            int(unfamiliar.get("min_length", 3)),
            _phrases(unfamiliar.get("pointing")),
        )
        if unfamiliar
        else None,
        _phrases((raw.get("reaction_to_another_tests_dye") or {}).get("words")),
    )
