"""The words the assistant's training examples, answers and red-flag rules use, with common
English: what a patient's message may say without naming something the documents never speak of
(data/scope.yml `unfamiliar`). A word one letter away from a known word of four letters or more
is read as a misspelling of it ("somone", "pian"), not as a new word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.triage.language import NearWords

_WORD = re.compile(r"[a-z]+")
# Shorter words are not checked for misspellings: "iud" is one letter from "aid".
MIN_MISSPELT_LENGTH = 4
MAX_REMEMBERED = 50_000


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Vocabulary:
    def __init__(self, texts: Iterable[str], common: frozenset[str]) -> None:
        # spaCy's lemmas, imported only here: the action server reads the scope without them.
        from core.triage.language import NearWords, lemma

        self._lemma = lemma
        own = {word for text in texts for word in words_of(text)}
        self.known = frozenset(own | {lemma(word) for word in own} | common)
        self._near: NearWords = NearWords(
            (word for word in self.known if len(word) >= MIN_MISSPELT_LENGTH), lambda _word: 1
        )
        self._seen: dict[str, bool] = {}  # answers given, while there are not too many

    def knows(self, word: str) -> bool:
        if word not in self._seen:
            if len(self._seen) >= MAX_REMEMBERED:
                self._seen.clear()
            self._seen[word] = (
                word in self.known
                or self._lemma(word) in self.known
                or (len(word) >= MIN_MISSPELT_LENGTH and bool(self._near.near(word, 1)))
            )
        return self._seen[word]

    def unfamiliar(self, words: Iterable[str], min_length: int) -> list[str]:
        """The words (of at least min_length letters) that neither the assistant nor common
        English use, in order; none when no word at all is known (gibberish is not a subject)."""
        checked = [word for word in words if len(word) >= min_length]
        unknown = [word for word in checked if not self.knows(word)]
        return unknown if len(unknown) < len(checked) else []
