"""Words as the red-flag detector reads them: every inflection, and the domain's own words
even when misspelled. Offline: spaCy's blank English, its lookup lemmatizer and the word
frequencies shipped by the spacy-lookups-data package.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import spacy_lookups_data
from spacy.language import Language
from spacy.tokens import Doc

from core.edit_distance import edit_distance

# A word this frequent (log probability) is ordinary English and is never "corrected":
# "breath" stays "breath" although it is one letter from "breast".
COMMON_WORD_LOG_PROB = -15.5
# Domain words shorter than this are too close to ordinary words to correct safely.
MIN_CORRECTED_LENGTH = 4
# Longer "words" are no misspelling of a domain word (and would cost time to check).
MAX_CORRECTED_LENGTH = 20


def build_nlp() -> Language:
    """Tokenizer, sentence splitter and lookup lemmatizer; nothing to download."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@lru_cache(maxsize=4)
def common_words(log_prob: float = COMMON_WORD_LOG_PROB) -> frozenset[str]:
    """English words at least this frequent (log probability), in lower case."""
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probabilities: dict[str, float] = json.load(handle)
    return frozenset(w.lower() for w, p in probabilities.items() if p >= log_prob and w.isalpha())


@lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def lemma(word: str) -> str:
    """The dictionary form ("leaking" -> "leak", "hurts" -> "hurt"): spaCy's lookup table."""
    return str(_lemma_table().get(word, word)).lower()


def phrase_keys(nlp: Language, text: str, lemmas: bool = True) -> tuple[str, ...]:
    """A rule's phrase as the keys a matcher compares with words' forms: lemmas, except short
    words and contractions, which stay as written (as "be", the "m" of "im" would make "i'm"
    match "I are"; the lookup table turns "as" into "a"). A key ending in "*" is a stem."""
    if text.endswith("*"):
        return (text.lower(),)
    tokens = (token.text.lower().replace("\u2019", "'") for token in nlp.tokenizer(str(text)))
    return tuple(lemma(t) if lemmas and "'" not in t and len(t) > 2 else t for t in tokens)


def deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class NearWords:
    """Known words by their deletions (SymSpell): which of them are a few edits from a word.
    A known word is reached within `depth(known)` edits."""

    def __init__(self, words: Iterable[str], depth: Callable[[str], int]) -> None:
        self.depth = depth
        self.index: dict[str, set[str]] = {}
        for word in words:
            for deleted in deletes(word, depth(word)):
                self.index.setdefault(deleted, set()).add(word)

    def near(self, word: str, reach: int) -> list[tuple[int, str]]:
        """(edits, known word), closest first, looking `reach` deletions deep from `word`."""
        candidates: set[str] = set()
        for deleted in deletes(word, reach):
            candidates |= self.index.get(deleted, set())
        return sorted(
            (edit_distance(word, c), c)
            for c in candidates
            if edit_distance(word, c) <= self.depth(c)
        )


class SpellingFixer:
    """Corrects misspellings of the domain's own words only ("nippel", "dischrge", "brest"),
    SymSpell-style: one edit for short words, two for long ones."""

    def __init__(self, domain_words: Iterable[str]) -> None:
        self.words = {w for w in domain_words if len(w) >= MIN_CORRECTED_LENGTH and w.isalpha()}
        self.near_words = NearWords(self.words, self._depth)
        self.common = common_words()

    @staticmethod
    def _depth(word: str) -> int:
        return 2 if len(word) >= 8 else 1

    @lru_cache(maxsize=50_000)  # noqa: B019 - one fixer per process, kept for its life
    def fix(self, word: str) -> str:
        if not MIN_CORRECTED_LENGTH <= len(word) <= MAX_CORRECTED_LENGTH or not word.isalpha():
            return word
        if word in self.words or word in self.common:
            return word
        best = self.near_words.near(word, 2 if len(word) >= 7 else 1)
        return best[0][1] if best else word


@dataclass(frozen=True)
class Word:
    """One token: its text, and every form a pattern may name (lower case, corrected, lemma)."""

    text: str
    forms: frozenset[str]
    index: int
    sentence: int
    spaced: bool = True  # a space before it: " - " splits a sentence, "blood-stained" does not


def read_words(doc: Doc, fixer: SpellingFixer, lemma_of) -> list[Word]:
    """Every token with its forms; compatibility characters folded first ("ＬＵＭＰ" is "LUMP")."""
    words = []
    for sentence_number, sentence in enumerate(doc.sents):
        for token in sentence:
            lower = token.text.lower().replace("\u2019", "'")
            fixed = fixer.fix(lower)
            forms = {lower, fixed, token.lemma_.lower(), lemma_of(fixed)}
            spaced = token.i == 0 or bool(doc[token.i - 1].whitespace_)
            words.append(Word(token.text, frozenset(forms), token.i, sentence_number, spaced))
    return words
