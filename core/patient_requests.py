"""What a patient asks the clinic to do, found from word patterns: a call back, or deleting her
conversation. The patterns are in data/patient_request_rules.yml, explained there. Words are read as
the red-flag detector reads them (core/triage/language.py): in any inflection, and with the
rule file's own words spelled right ("delte" is "delete").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.names import CALLBACK_INTENT, FORGET_INTENT
from core.paths import data_file
from core.triage.detector import PhraseMatcher
from core.triage.language import SpellingFixer, Word, build_nlp, lemma, phrase_keys, read_words

REQUESTS_FILE = data_file("PATIENT_REQUEST_RULES_FILE", "patient_request_rules.yml")
# Words of a sentence that may come before an imperative's verb: "please call me back".
OPENING_WORDS = {"please", "pls", "plz", "just", "ok", "okay", "hi", "hello", "so", "and", "then"}
# Past forms: "the nurse called me" reports a call; "I'd like to be called" still asks for one.
PAST_FORMS = {"called", "rang", "phoned", "rung", "contacted", "telephoned"}
STOP_WORDS = ("about", "up", "out", "and", "but", "or", "because", "so", "if")
# Passive: "I want all I provided to be deleted" names what to delete before the action.
PASSIVE_REACH = 12
# `not_before` words count this close before the action, in the same clause: "when will they call
# me" is a question; "my mum has no computer, could someone call her" still asks.
NOT_BEFORE_REACH = 4


@dataclass(frozen=True)
class Found:
    request: str  # the intent: CALLBACK_INTENT or FORGET_INTENT
    words: str  # the words that made it: in the parse data Rasa stores, to see why


class PatientRequests:
    def __init__(self, path: Path = REQUESTS_FILE) -> None:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules: dict[str, Any] = loaded["requests"]
        self.nlp = build_nlp()
        self.fixer = SpellingFixer(
            word
            for rule in rules.values()
            for key, words in rule.items()
            if isinstance(words, list)
            for phrase in words
            for word in str(phrase).lower().split()
        )
        call, forget = rules[CALLBACK_INTENT], rules[FORGET_INTENT]
        self.call_within: int = call["object_within"]
        self.forget_within: int = forget["object_within"]
        self.call = {name: self._matcher(call[name]) for name in self._lists(call)}
        # Kept as written: "has" must not match "have".
        self.call["not_before"] = self._matcher(call["not_before"], lemmas=False)
        self.forget = {name: self._matcher(forget[name]) for name in self._lists(forget)}
        self.stops = self._matcher([*forget["not_with"], *STOP_WORDS])
        self.negation = self._matcher(loaded["negation"], lemmas=False)

    @staticmethod
    def _lists(rule: dict[str, Any]) -> list[str]:
        return [name for name, value in rule.items() if isinstance(value, list)]

    def _matcher(self, phrases: Sequence[str], lemmas: bool = True) -> PhraseMatcher:
        return PhraseMatcher((phrase_keys(self.nlp, str(p), lemmas), str(p)) for p in phrases)

    def find(self, text: str) -> Found | None:
        """The request a message makes, or None. A call back first: "call me, and delete the
        chat" is answered by a person who can do both."""
        words = self._words(text)
        sentences: dict[int, list[int]] = {}
        for position, word in enumerate(words):
            sentences.setdefault(word.sentence, []).append(position)
        spans = [(s[0], s[-1] + 1) for s in sentences.values()]
        for lo, hi in spans:
            found = self._callback(words, lo, hi)
            if found:
                return found
        names_the_chat = bool(self.forget["context"].find(words))
        for lo, hi in spans:
            found = self._forget(words, lo, hi, names_the_chat)
            if found:
                return found
        return None

    def mentions(self, text: str) -> set[str]:
        """The requests whose action words the message uses, found as a request or not: a
        classifier's guess at a request the rules looked at and ruled out ("does the clinic
        call from a private number?", "how long do you keep the chats?") is not trusted."""
        words = self._words(text)
        named = set()
        if self.call["action"].find(words) or self.call["nouns"].find(words):
            named.add(CALLBACK_INTENT)
        if self.forget["action"].find(words) or self.forget["keep"].find(words):
            named.add(FORGET_INTENT)
        return named

    def _words(self, text: str) -> list[Word]:
        text = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'")
        return read_words(self.nlp(text), self.fixer, lemma)

    def _callback(self, words: Sequence[Word], lo: int, hi: int) -> Found | None:
        rules = self.call
        if rules["not_with"].find(words, lo, hi):
            return None
        asking = bool(rules["asking"].find(words, lo, hi))
        for start, end, _ in rules["action"].find(words, lo, hi):
            if words[start].text.lower() in PAST_FORMS and not _after_be(words, start, lo):
                continue
            if self._asks_about_a_call(words, lo, start) or self._negated(words, lo, start):
                continue
            imperative = _opens(words, lo, start)
            if not (asking or imperative):
                continue
            reach = min(hi, end + self.call_within)
            # The object may sit inside the action: "give ME a call".
            for _, to, _ in rules["object"].find(words, start + 1, reach):
                return Found(CALLBACK_INTENT, _text(words, start, max(to, end)))
        starts_with_noun = False
        nouns = []
        for at, to, _ in rules["nouns"].find(words, lo, hi):
            if not self._asks_about_a_call(words, lo, at):
                nouns.append((at, to))
                starts_with_noun |= _opens(words, lo, at)
        if nouns and (asking or starts_with_noun):
            at, to = nouns[0]
            return Found(CALLBACK_INTENT, _text(words, at, to))
        return None

    def _asks_about_a_call(self, words: Sequence[Word], lo: int, at: int) -> bool:
        """A `not_before` word shortly before `at`, in its clause."""
        start = max(lo, at - NOT_BEFORE_REACH)
        for back in range(at - 1, start - 1, -1):
            if words[back].text in {",", ";", ":", "-", "(", ")"}:
                start = back + 1
                break
        return bool(self.call["not_before"].find(words, start, at))

    def _negated(self, words: Sequence[Word], lo: int, at: int) -> bool:
        """A negation in the two words before `at`: "don't call me", "stop calling"."""
        return bool(self.negation.find(words, max(lo, at - 2), at))

    def _forget(
        self, words: Sequence[Word], lo: int, hi: int, names_the_chat: bool
    ) -> Found | None:
        rules = self.forget
        asking = bool(rules["asking"].find(words, lo, hi))
        negations = self.negation.find(words, lo, hi)
        actions = [
            hit
            for hit in rules["action"].find(words, lo, hi)
            if (asking or _opens(words, lo, hit[0])) and not self._negated(words, lo, hit[0])
        ]
        actions += [
            hit
            for hit in rules["keep"].find(words, lo, hi)
            if any(0 < hit[0] - n_end + 1 <= 4 for _, n_end, _ in negations)
        ]
        for start, end, _ in sorted(actions):
            # "to be deleted", "be permanently deleted"
            passive = any(
                w.forms & {"be", "get", "being"} for w in words[max(lo, start - 2) : start]
            )
            if passive and asking:
                back = max(lo, start - PASSIVE_REACH)
                named = rules["object"].find(words, back, start)
                if named:
                    return Found(FORGET_INTENT, _text(words, named[0][0], end))
            reach = min(hi, end + self.forget_within)
            objects = {at: to for at, to, _ in rules["object"].find(words, end, reach)}
            weak = {at: to for at, to, _ in rules["weak_object"].find(words, end, reach)}
            stops = {at for at, _, _ in self.stops.find(words, end, reach)}
            for at in range(end, reach):
                if at in stops:
                    break
                if at in objects:
                    return Found(FORGET_INTENT, _text(words, start, objects[at]))
                if at in weak and names_the_chat:
                    return Found(FORGET_INTENT, _text(words, start, weak[at]))
        return None


def _opens(words: Sequence[Word], lo: int, at: int) -> bool:
    """The sentence starts at `at`, but for words like "please" or "ok": an imperative."""
    return all(w.text.lower() in OPENING_WORDS for w in words[lo:at])


def _after_be(words: Sequence[Word], position: int, lo: int) -> bool:
    """'to be called', 'get rung back': a passive request."""
    return position > lo and bool(words[position - 1].forms & {"be", "get", "being"})


def _text(words: Sequence[Word], start: int, end: int) -> str:
    return " ".join(w.text for w in words[start:end])
