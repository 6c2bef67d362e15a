"""The words the answers and their example questions use, with common English: what a patient's
message may say without naming something the documents never speak of (data/scope.yml
`unfamiliar`). A word one letter away from a known word of five letters or more is read as a
misspelling of it ("somone", "appointmnet"), not as a new word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core.edit_distance import edit_distance
from core.triage.language import deletes, lemma

_WORD = re.compile(r"[a-z]+")
# Shorter words are not checked for misspellings: "iud" is one letter from "aid".
MIN_MISSPELT_LENGTH = 5


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Vocabulary:
    def __init__(self, texts: Iterable[str], common: frozenset[str]) -> None:
        own = {word for text in texts for word in words_of(text)}
        self.known = frozenset(own | {lemma(word) for word in own} | common)
        self._by_deletion: dict[str, set[str]] = {}
        for word in self.known:
            if len(word) >= MIN_MISSPELT_LENGTH:
                for deleted in deletes(word, 1):
                    self._by_deletion.setdefault(deleted, set()).add(word)

    @lru_cache(maxsize=20_000)  # noqa: B019 - one vocabulary per loaded model, kept for its life
    def knows(self, word: str) -> bool:
        if word in self.known or lemma(word) in self.known:
            return True
        if len(word) < MIN_MISSPELT_LENGTH:
            return False
        return any(
            edit_distance(word, known) <= 1
            for deleted in deletes(word, 1)
            for known in self._by_deletion.get(deleted, ())
        )

    def unfamiliar(self, words: Iterable[str], min_length: int) -> list[str]:
        """The words (of at least min_length letters) that neither the documents nor common
        English use, in order; none when no word at all is known (gibberish is not a subject)."""
        checked = [word for word in words if len(word) >= min_length]
        unknown = [word for word in checked if not self.knows(word)]
        return unknown if len(unknown) < len(checked) else []
