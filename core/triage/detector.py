"""Finds the rule book's signs in a message by composition, with their context.

Words are read in any inflection and with the domain's typos corrected (core/triage/language.py).
A sign is found from a phrase of its own (`terms`) or from words of several classes near
each other (`combine`), all listed in data/red_flags.yml. Each finding then gets its
context from the cues listed there:
- negated ("no blood"), past and over ("I had a lump years ago"), or named in a general
  or hypothetical question ("what does bloody discharge mean?"): not reported now;
- whose it is: the writer's, or another person's ("my husband's nipple leaks"). Another
  person's sign counts when it is current; their history does not; when it cannot be told,
  the sign is "unsure" and the assistant asks.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.retrieval.questions import asking_spans
from core.triage.language import SpellingFixer, Word, build_nlp, lemma, phrase_keys, read_words
from core.triage.rules import AGE_SIGN, RuleBook

warnings.filterwarnings("ignore", message=r"\[W036\]")

# "red*" in a word class: the stem, then one of these endings.
COLOUR_ENDINGS = (
    "",
    "s",
    "ish",
    "dish",
    "dy",
    "y",
    "ie",
    "ey",
    "ed",
    "ing",
    "coloured",
    "colored",
    "tinged",
    "tinted",
    "stained",
    "streaked",
    "ishy",
    "y-ish",
)
# Words that end a part of a sentence: cues act within their part.
CLAUSE_BREAKS = {
    ",",
    ";",
    ":",
    "but",
    "however",
    "although",
    "though",
    "yet",
    "whereas",
    "except",
    "—",
    "–",
    "(",
    ")",
    "and",
    "so",
    "because",
    "cause",
    "cuz",
    "coz",
    "btw",
    "anyway",
    "also",
    "plus",
    "until",
    "till",
    "when",
    "that",
    "if",
    "...",
    "…",
    "/",
    "-",
}
AUXILIARY_OPENERS = {
    "is",
    "are",
    "does",
    "do",
    "can",
    "could",
    "should",
    "would",
    "will",
    "may",
    "might",
    "has",
    "have",
    "any",
    "anyone",
}
QUESTION_SUBJECTS = {
    "i",
    "you",
    "he",
    "she",
    "it",
    "they",
    "we",
    "my",
    "your",
    "his",
    "her",
    "their",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "there",
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "women",
    "men",
    "people",
    "everyone",
    "any",
    "some",
    "it's",
    "its",
    "u",
    "one",
    "bloody",
    "nipple",
    "breast",
    "discharge",
    "brown",
    "clear",
    "pink",
    "red",
    "milky",
    "lumps",
    "lump",
}
PRONOUN_SUBJECTS = {
    "i",
    "you",
    "he",
    "she",
    "it",
    "they",
    "we",
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "any",
}
FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "im", "i've", "ive", "'m"}
THIRD_PERSON = {"he": "he", "his": "he", "him": "he", "she": "she", "her": "she", "hers": "she"}
PRESENT_TENSE = {
    "has",
    "have",
    "is",
    "are",
    "'s",
    "'re",
    "keeps",
    "got",
    "getting",
    "gets",
    "can't",
    "cannot",
    "ca",
    "wo",
    "won't",
    "isn't",
    "feels",
    "looks",
    "seems",
    "says",
    "complains",
    "leaks",
    "bleeds",
    "hurts",
    "now",
    "keep",
    "having",
    "'ve",
    "noticed",
    "found",
    "felt",
    "saw",
    "said",
    "told",
    "showed",
    "complained",
    "mentioned",
    "woke",
}
# "My sister had a lump": told as history. ("Was" is left out: "it wasn't there before".)
PAST_TENSE = {"had", "'d"}
YEAR = re.compile(r"19[5-9]\d|20[0-2]\d|(?:19)?[5-9]0'?s")
NUMBER_WORDS = {
    "a",
    "few",
    "couple",
    "several",
    "many",
    "some",
    "two",
    "three",
    "four",
    "five",
    "six",
    "ten",
    "of",
}
TIME_UNITS = {"year", "years", "yr", "yrs", "decade", "decades"}
TIME_PAST = {"ago", "back", "before", "earlier"}
# Signs that only give context: alone they are no symptom to report.
CONTEXT_SIGNS = {
    "after_ductogram",
    "pregnant",
    "infusion_port",
    "same_side_as_port",
    "male",
    AGE_SIGN,
    "one_side",
    "both_sides",
}
# Signs read from the shape of the body: a shape someone has always had is not a change.
SHAPE_SIGNS = {"nipple_inverted", "skin_change"}
# Signs an everyday cause explains ("a rash from my bra strap", "bleeding, my period is heavy").
EVERYDAY_SIGNS = {
    "nipple_rash",
    "breast_rash",
    "hives",
    "spreading_redness",
    "skin_change",
    "breast_symptom",
    "bloody_discharge",
}
# A message longer than this many tokens is read in parts of whole sentences.
CHUNK_TOKENS = 600
# "Not since the test" says nothing useful; the test is context, not a symptom.
NEVER_NEGATED = {"after_ductogram"}
# A negation reaches this many words ahead, within its part of the sentence: "I haven't noticed
# any lumps under my arm or blood"; "no pain, but ..." stops at the comma.
NEGATION_REACH = 9
BODY_CLASSES = ("nipple", "breast")
# Cue lists that voice a worry ("should i be worried" is read whole, as asks_if_serious).
WORRY_CUES = ("worry", "asks_if_serious")
# Word classes that carry grammar, not a topic: "I'm" names nothing the patient could mean.
GRAMMAR_CLASSES = frozenset({"self_intro"})
EMERGENCY_SIGNS = {"breathing_trouble", "face_throat_swelling", "fainting"}
AGE = re.compile(
    r"\b(?:i am|i'm|i’m|im|age|aged|i turned|she is|she's|he is|he's)\s+(?:a\s+|now\s+)?(\d{2,3})\b(?!\s*%)"
    r"|\bin (?:my|her|his) (\d)0s\b|\b(\d{2})\s?(?:f|m|yo|y/o|yrs?|years?(?:\s|-)old|year(?:\s|-)old)\b"
    r"|\b[fm]\s?(\d{2})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    sign: str
    text: str
    negated: bool = False
    general: bool = False
    historical: bool = False
    other_person: bool = False  # another person's sign that is not current (or not clearly current)

    @property
    def active(self) -> bool:
        return not (self.negated or self.general or self.historical or self.other_person)


@dataclass(frozen=True)
class Subject:
    """Whose sign it is when the writer reports someone else's ("my husband's nipple leaks")."""

    relation: str  # as written: "husband", "mum", "son"
    pronoun: str  # "he", "she" or "they"


@dataclass(frozen=True)
class Detection:
    findings: list[Finding]
    # Set when the active signs are another person's current signs, typed by a carer.
    subject: Subject | None = None
    # Signs named in a way that leaves unclear whose they are or whether they are current.
    unsure_signs: list[str] = field(default_factory=list)
    # The writer reports a breast or nipple symptom of their own (or of the person they
    # write about) now, whether or not a red flag is established.
    symptom_report: bool = False
    # A worry is voiced in what she asks ("I have discharge, should I be worried?", "is that
    # normal"), not only in the context around a question ("I'm terrified. What is the test?").
    worried: bool = False
    # A sign was set aside as an animal's ("my dog has a lump").
    about_animal: bool = False
    # Asks whether something is serious, or voices fear ("is this bad?"), about nothing named:
    # no sign, body part or test.
    vague_worry: bool = False

    @property
    def active_signs(self) -> list[str]:
        return sorted({f.sign for f in self.findings if f.active})

    @property
    def general_signs(self) -> list[str]:
        """Signs asked about in general, and not reported now."""
        active = set(self.active_signs)
        return sorted(
            {
                f.sign
                for f in self.findings
                if f.general and not (f.negated or f.other_person) and f.sign not in active
            }
        )

    def as_dict(self) -> dict:
        return {
            "active_signs": self.active_signs,
            "general_signs": self.general_signs,
            "findings": [f.__dict__ for f in self.findings],
            "subject": self.subject.__dict__ if self.subject else None,
            "unsure_signs": list(self.unsure_signs),
            "symptom_report": self.symptom_report,
            "worried": self.worried,
            "about_animal": self.about_animal,
            "vague_worry": self.vague_worry,
        }


# A phrase as a sequence of word keys; a key ending in "*" is a colour stem.
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    sign: str
    start: int  # word positions in the message
    end: int
    key: int  # the word that carries the sign; context is read around it
    # The positions of the words that make the sign: a cue there is part of the sign
    # ("can't breathe"), a cue elsewhere in the span is context ("have always been inverted").
    parts: frozenset[int] = frozenset()

    def covers(self, position: int) -> bool:
        return position in self.parts if self.parts else self.start <= position < self.end


class PhraseMatcher:
    """Phrases over word forms, indexed by their first key."""

    def __init__(self, phrases: Iterable[tuple[Phrase, str]]) -> None:
        self.by_first: dict[str, list[tuple[Phrase, str]]] = {}
        self.stems: list[tuple[Phrase, str]] = []
        for phrase, label in phrases:
            if phrase[0].endswith("*"):
                self.stems.append((phrase, label))
            else:
                self.by_first.setdefault(phrase[0], []).append((phrase, label))

    def find(
        self, words: Sequence[Word], lo: int = 0, hi: int | None = None
    ) -> list[tuple[int, int, str]]:
        hi = len(words) if hi is None else hi
        found = []
        for i in range(lo, hi):
            candidates = [
                c for form in words[i].forms for c in self.by_first.get(form, [])
            ] + self.stems
            for phrase, label in candidates:
                if i + len(phrase) <= hi and all(
                    _matches(key, words[i + k]) for k, key in enumerate(phrase)
                ):
                    found.append((i, i + len(phrase), label))
        return found


def _matches(key: str, word: Word) -> bool:
    if key == "_":
        return word.text.isalnum()
    if key.endswith("*"):
        stem = key[:-1]
        return any(
            form.startswith(stem) and form[len(stem) :].lstrip("-") in COLOUR_ENDINGS
            for form in word.forms
        )
    return key in word.forms


class RedFlagDetector:
    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self.nlp = build_nlp()
        self.fixer = SpellingFixer(self._domain_words())
        context = rulebook.context
        self.terms = PhraseMatcher(
            (self._phrase(term), sign.id) for sign in rulebook.signs.values() for term in sign.terms
        )
        self.classes = PhraseMatcher(
            (self._phrase(word), name)
            for name, words in rulebook.word_classes.items()
            for word in words
        )
        self.not_in = PhraseMatcher(
            (self._phrase(phrase), sign.id)
            for sign in rulebook.signs.values()
            for phrase in sign.not_in
        )
        self.not_as = PhraseMatcher(
            (self._phrase(form, lemmas=False), sign.id)
            for sign in rulebook.signs.values()
            for form in sign.not_as
        )
        cue_lists = {k: v for k, v in context.items() if k != "relations"}
        # Cues keep their tense: "cleared" must not match "clear", nor "had" match "has".
        self.cues = PhraseMatcher(
            (self._phrase(cue, lemmas=False), name)
            for name, cues in cue_lists.items()
            for cue in cues
        )
        self.relations: dict[str, str] = {
            relation: pronoun
            for pronoun, words in (context.get("relations") or {}).items()
            for relation in words
        }
        self.relation_matcher = PhraseMatcher(
            (self._phrase(r, lemmas=False), r) for r in self.relations
        )
        # Single words of the rule book's nipple and breast classes: "my nipple", "her breast".
        self.body_words = {
            phrase[0]
            for name in BODY_CLASSES
            for phrase in map(self._phrase, rulebook.word_classes[name])
            if len(phrase) == 1
        }
        self.patterns = [
            (re.compile(regex, re.IGNORECASE), sign.id)
            for sign in rulebook.signs.values()
            for regex in sign.patterns
        ]

    def _domain_words(self) -> set[str]:
        phrases = [t for sign in self.rulebook.signs.values() for t in sign.terms]
        phrases += [w for words in self.rulebook.word_classes.values() for w in words]
        phrases += [
            "ductogram",
            "galactogram",
            "mammogram",
            "discharge",
            "nipple",
            "breast",
            "prolactin",
        ]
        return {w for phrase in phrases for w in re.findall(r"[a-z]+", phrase.lower())}

    def _phrase(self, text: str, lemmas: bool = True) -> Phrase:
        return phrase_keys(self.nlp, text, lemmas)

    def _body_owner(self, words: Sequence[Word]) -> str | None:
        """Whose body part the words name: "my nipple" (self), "his nipple", "mum's breast" (other)."""
        for i, word in enumerate(words):
            if word.forms & self.body_words:
                for back in range(max(0, i - 3), i)[::-1]:
                    owner = words[back].text.lower()
                    if owner in {"my", "mine"}:
                        return "self"
                    if owner in {"his", "her", "their", "'s"}:
                        return "other"
        return None

    # The message -----------------------------------------------------------------------------

    def detect(self, text: str) -> Detection:
        text = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'")
        doc = self.nlp(text)
        if len(doc) <= CHUNK_TOKENS:
            return self._detect(text, doc)
        # Context is read within a few sentences, so a very long message is read in parts:
        # the time per message then grows with its length, not with its square.
        parts = [self._detect(chunk.text, self.nlp(chunk.text)) for chunk in _chunks(doc)]
        return Detection(
            [f for part in parts for f in part.findings],
            next((part.subject for part in parts if part.subject), None),
            sorted({sign for part in parts for sign in part.unsure_signs}),
            any(part.symptom_report for part in parts),
            any(part.worried for part in parts),
            all(part.about_animal for part in parts),
            all(part.vague_worry for part in parts),
        )

    def _detect(self, text: str, doc) -> Detection:
        words = read_words(doc, self.fixer, lemma)
        sentences = _spans(words, lambda w: w.sentence)
        clause_of = _clauses(words)
        cues = self._cues(words)
        hits = self._hits(words, sentences, text, doc)
        owners = self._owners(words, sentences)
        after_test = any(h.sign == "after_ductogram" for h in hits)
        findings: list[Finding] = []
        unsure: list[str] = []
        others: list[Subject] = []
        report = False
        for hit in hits:
            finding, other, is_unsure = self._judge(
                hit, words, sentences, clause_of, cues, owners, after_test
            )
            findings.append(finding)
            if is_unsure:
                unsure.append(hit.sign)
            if other and finding.active:
                others.append(other)
            if finding.active and hit.sign not in CONTEXT_SIGNS:
                report = True
        findings += self._age(text, findings)
        subject = others[0] if others else None
        if subject and subject.pronoun == "he" and any(f.active for f in findings):
            findings.append(Finding("male", subject.relation))
        # Where the message asks is read only when a worry is voiced: most messages voice none.
        worry_at = [doc[words[start].index].idx for label, start, _e in cues if label in WORRY_CUES]
        asking = asking_spans(text) if worry_at else []
        worried = any(lo <= at < hi for at in worry_at for lo, hi in asking)
        animal = any(label == "animals" for label, _s, _e in cues) and not report
        asks_if_serious = any(label == "asks_if_serious" for label, _s, _e in cues)
        vague = asks_if_serious and not hits and not self._names_anything(words)
        return Detection(findings, subject, sorted(set(unsure)), report, worried, animal, vague)

    def _names_anything(self, words: Sequence[Word]) -> bool:
        """A word of a rule-book class other than the grammar ones ("I'm"): a body part, a sign, the test."""
        return any(name not in GRAMMAR_CLASSES for _s, _e, name in self.classes.find(words))

    def _cues(self, words: Sequence[Word]) -> list[tuple[str, int, int]]:
        found = [(label, start, end) for start, end, label in self.cues.find(words)]
        found += _past_times(words)
        # A cue inside a longer cue takes the longer one's meaning: "not sure" is no negation,
        # "never came back" is no recurrence.
        kept = [
            (label, s, e)
            for label, s, e in found
            if not any(
                s2 <= s and e <= e2 and (e2 - s2) > (e - s) and label2 != label
                for label2, s2, e2 in found
            )
        ]
        return [cue for cue in kept if cue[0] != "not_negation"]

    def _hits(self, words: Sequence[Word], sentences, text: str, doc) -> list[Hit]:
        hits: list[Hit] = []
        other_meaning = self.not_as.find(words)
        for start, end, sign in self.terms.find(words):
            # "bloods" (blood tests) is not the sign by itself; next to a nipple, breast,
            # discharge or clothing word (the combinations below) it still is.
            if not any(
                s == sign and s_start <= start < s_end for s_start, s_end, s in other_meaning
            ):
                hits.append(Hit(sign, start, end, start))
        class_hits = self.classes.find(words)
        counts = _word_counts(words)
        by_class: dict[str, list[tuple[int, int]]] = {}
        for start, end, name in class_hits:
            by_class.setdefault(name, []).append((start, end))
        for spec in self.rulebook.signs.values():
            for combination in spec.combine:
                if not combination.needs:
                    hits += self._combined(spec.id, combination, by_class, words, sentences, counts)
        for regex, sign in self.patterns:
            for match in regex.finditer(text):
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                if span is not None:
                    hits.append(Hit(sign, span.start, span.end, span.start))
        blocked = self.not_in.find(words)
        hits = [
            h
            for h in hits
            if not any(sign == h.sign and start <= h.key < end for start, end, sign in blocked)
        ]
        # Combinations that count only beside another sign ("a rash" after the test).
        present = {h.sign for h in hits}
        for spec in self.rulebook.signs.values():
            for combination in spec.combine:
                if combination.needs in present:
                    hits += self._combined(spec.id, combination, by_class, words, sentences, counts)
        return _dedupe(hits)

    def _combined(self, sign, combination, by_class, words, sentences, counts) -> list[Hit]:
        lists = [by_class.get(name, []) for name in combination.classes]
        if not all(lists):
            return []
        found: list[Hit] = []
        for key_start, key_end in lists[0]:
            sentence = words[key_start].sentence
            allowed = {sentence}
            if combination.across_sentences and _short(words, sentences[sentence]):
                allowed |= {sentence - 1, sentence + 1}
            chosen = [(key_start, key_end)]
            for others in lists[1:]:
                near = [
                    (s, e)
                    for s, e in others
                    if (s, e) != (key_start, key_end)
                    and words[s].sentence in allowed
                    and (
                        words[s].sentence != sentence
                        or _word_gap(counts, (key_start, key_end), (s, e)) <= combination.within
                    )
                ]
                if not near:
                    break
                nearest = min(near, key=lambda span: _gap((key_start, key_end), span))
                # Words of the class right next to it join the span, so that a cue there
                # ("can't catch her breath") is part of the sign, not its context.
                chosen += [span for span in near if span == nearest or _gap(nearest, span) == 0]
            else:
                same = [c for c in chosen if words[c[0]].sentence == sentence]
                parts = frozenset(i for s, e in same for i in range(s, e))
                found.append(
                    Hit(sign, min(s for s, _ in same), max(e for _, e in same), key_start, parts)
                )
        return found

    def _owners(self, words: Sequence[Word], sentences) -> list[tuple[str, Subject | None]]:
        """Per sentence: "self" or "other" (with who), carried on to sentences that say neither."""
        relation_hits = self.relation_matcher.find(words)
        owners: list[tuple[str, Subject | None]] = []
        current: tuple[str, Subject | None] = ("self", None)
        last_relation: Subject | None = None
        for lo, hi in sentences:
            texts = [w.text.lower() for w in words[lo:hi]]
            relation = None
            for start, end, name in relation_hits:
                before = {w.text.lower() for w in words[max(lo, start - 4) : start]}
                after = words[end].text.lower() if end < hi else ""
                if lo <= start < hi and (before & {"my", "our", "his", "her"} or after == "'s"):
                    said = self.relations[name]
                    # "my partner ... her nipple": the sentence says which.
                    if said == "they":
                        said = next((THIRD_PERSON[t] for t in texts if t in THIRD_PERSON), "they")
                    relation = Subject(name, said)
                    break
            pronoun = next((THIRD_PERSON[t] for t in texts if t in THIRD_PERSON), None)
            possessive = self._body_owner(words[lo:hi])
            if possessive == "self":
                current = ("self", None)
            elif relation and (possessive in (None, "other")):
                current = ("other", relation)
                last_relation = relation
            elif possessive == "other" or (pronoun and not (FIRST_PERSON & set(texts))):
                who = last_relation or Subject(
                    "him" if pronoun == "he" else "her" if pronoun == "she" else "them",
                    pronoun or "they",
                )
                current = ("other", who)
            elif FIRST_PERSON & set(texts):
                current = ("self", None)
            owners.append(current)
        return owners

    def _judge(self, hit: Hit, words, sentences, clause_of, cues, owners, after_test: bool):
        sentence = words[hit.key].sentence
        lo, hi = sentences[sentence]
        clause = clause_of[hit.key]
        # "I had a lump. It went away.": a next sentence about "it" can close the sign.
        follow_on = hi
        if sentence + 1 < len(sentences) and words[hi].text.lower() in {
            "it",
            "that",
            "which",
            "this",
            "but",
            "they",
        }:
            follow_on = sentences[sentence + 1][1]

        def in_clause(label: str) -> bool:
            # A cue may begin before the clause's first word ("what if I ...": "if" opens it).
            return any(
                name == label and clause_of[e - 1] == clause and not hit.covers(s)
                for name, s, e in cues
            )

        def from_here_on(label: str, until: int) -> bool:
            """In the sign's part of the sentence or a later one: "I had a lump, it went away",
            "I had a lump when I was younger"; not "My mum died of it, I found a lump"."""
            return any(
                name == label
                and lo <= s < until
                and clause_of[e - 1] >= clause
                and not hit.covers(s)
                for name, s, e in cues
            )

        def in_sentence(label: str) -> bool:
            return any(name == label and lo <= s < hi and not hit.covers(s) for name, s, _e in cues)

        text = " ".join(w.text for w in words[hit.start : hit.end])
        sentence_words = {w.text.lower() for w in words[lo:hi]}
        own_body = self._body_owner(words[lo:hi]) == "self"
        negated = hit.sign not in NEVER_NEGATED and _negated(hit, words, clause_of, cues)
        current = any(
            name == "current" and lo <= s < follow_on and not hit.covers(s) for name, s, _e in cues
        )
        resolved = from_here_on("resolved", follow_on)
        historical = (from_here_on("past", hi) and not in_clause("current")) or (
            resolved and not current
        )
        if hit.sign in SHAPE_SIGNS and (
            from_here_on("long_standing", hi) or in_clause("everyday_cause")
        ):
            historical = True
        if hit.sign in EVERYDAY_SIGNS and in_sentence("everyday_cause"):
            historical = True
        question = _is_question_clause(words, clause_of, clause, lo, hi)
        reported_elsewhere = any(name == "report_back" for name, _s, _e in cues)
        general = in_clause("hypothetical") or (
            question and not (in_clause("report") or in_clause("current") or reported_elsewhere)
        )
        owner, who = owners[sentence]
        clause_words = [
            w for w, c in zip(words[lo:hi], clause_of[lo:hi], strict=False) if c == clause
        ]
        first_person_clause = {"i", "i'm", "i've", "im"} & {w.text.lower() for w in clause_words}
        if owner == "other" and self._body_owner(clause_words) != "other" and first_person_clause:
            # "My husband and I are trying for a baby, I have some milky discharge": hers.
            owner, who = "self", None
        # "My dog has a lump": not for this assistant. "I have a lump and my dog is sick" still counts.
        about_me = own_body or bool(
            sentence_words & {"i", "me", "i'm", "im", "i've", "ive", "myself"}
        )
        other_not_current = in_clause("animals") or (in_sentence("animals") and not about_me)
        unsure = False
        if owner == "other" and not (negated or general or historical):
            present = bool(sentence_words & PRESENT_TENSE)
            past = bool(sentence_words & PAST_TENSE) and not present
            if hit.sign in EMERGENCY_SIGNS:
                # An emergency is current unless plainly told as history, with no test in sight.
                other_not_current = past and not current and not after_test
            elif past and not current:
                other_not_current = True
            elif not (current or present):
                other_not_current, unsure = True, hit.sign not in CONTEXT_SIGNS
        asked_of_self = general and owner == "self" and hit.sign not in CONTEXT_SIGNS
        if asked_of_self and (own_body or not in_clause("hypothetical")):
            # "Should I be worried about brown discharge?": about her, or in general? Ask.
            # An emergency sign needs no worry word: asking costs less than missing it.
            # "Will I need a ductogram for the blood from my nipple?": her own body, asked as a question.
            worried = any(map(in_sentence, WORRY_CUES)) or hit.sign in EMERGENCY_SIGNS or own_body
            # "throat closing up after the dye test??": an emergency told, with a worried "?".
            told = (
                hit.sign in EMERGENCY_SIGNS
                and not in_sentence("hypothetical")
                and not _opens_with_a_question_word(
                    words, _clause_positions(words, clause_of, clause, lo, hi)
                )
            )
            mine = FIRST_PERSON & sentence_words or told
            if worried and mine and not negated and not historical:
                unsure = True
        if (
            owner == "self"
            and not (negated or general or historical or current)
            and hit.sign not in CONTEXT_SIGNS
        ):
            # "I had a fever after the test": past tense with no time said. Ask, do not guess.
            if _plain_past(words, lo, hi) and hit.sign not in EMERGENCY_SIGNS:
                other_not_current, unsure = True, True
        finding = Finding(hit.sign, text, negated, general, historical, other_not_current)
        return finding, (who if owner == "other" else None), unsure

    def _age(self, text: str, findings: list[Finding]) -> list[Finding]:
        """The writer's age at or over the rule book's threshold ("I'm 56", "52F", "in my 60s")."""
        general = bool(findings) and all(f.general for f in findings)
        for match in AGE.finditer(text):
            number = next(g for g in match.groups() if g)
            age = int(number) * 10 if match.group(2) else int(number)
            if self.rulebook.age_threshold <= age < 120:
                return [Finding(sign=AGE_SIGN, text=match.group(0), general=general)]
        return []


def _chunks(doc) -> list:
    """Runs of whole sentences of at most CHUNK_TOKENS tokens (a longer sentence is cut)."""
    chunks, start, end = [], 0, 0
    for sentence in doc.sents:
        pieces = [
            (i, min(i + CHUNK_TOKENS, sentence.end))
            for i in range(sentence.start, sentence.end, CHUNK_TOKENS)
        ]
        for piece_start, piece_end in pieces:
            if piece_end - start > CHUNK_TOKENS and end > start:
                chunks.append(doc[start:end])
                start = piece_start
            end = piece_end
    if end > start:
        chunks.append(doc[start:end])
    return chunks


def _spans(words: Sequence[Word], key) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        if not spans or key(words[spans[-1][0]]) != key(word):
            spans.append((i, i + 1))
        else:
            spans[-1] = (spans[-1][0], i + 1)
    return spans


def _clauses(words: Sequence[Word]) -> list[int]:
    clause, numbers = 0, []
    for i, word in enumerate(words):
        glued_hyphen = word.text == "-" and not word.spaced
        if (word.text.lower() in CLAUSE_BREAKS and not glued_hyphen) or (
            i and words[i - 1].sentence != word.sentence
        ):
            clause += 1
        numbers.append(clause)
    return numbers


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _word_counts(words: Sequence[Word]) -> list[int]:
    """counts[i]: words before position i, not counting punctuation ("70-year-old" is three)."""
    counts = [0]
    for word in words:
        counts.append(counts[-1] + any(ch.isalnum() for ch in word.text))
    return counts


def _word_gap(counts: list[int], a: tuple[int, int], b: tuple[int, int]) -> int:
    lo, hi = min(a[1], b[1]), max(a[0], b[0])
    return max(0, counts[hi] - counts[lo]) if hi > lo else 0


def _short(words: Sequence[Word], span: tuple[int, int]) -> bool:
    """A short follow-up sentence ("It's brown.") that can describe the previous one."""
    lo, hi = span
    return sum(1 for w in words[lo:hi] if w.text.isalpha()) <= 10


def _past_times(words: Sequence[Word]) -> list[tuple[str, int, int]]:
    """Times gone by, however written: "in 2010", "back in the 90s", "a few years back",
    "5 yrs ago". Months and weeks are left out: "a few weeks ago" can still be now."""
    found = []
    texts = [w.text.lower() for w in words]
    for i, text in enumerate(texts):
        if text == "in" and i + 1 < len(texts):
            year = texts[i + 2] if texts[i + 1] == "the" and i + 2 < len(texts) else texts[i + 1]
            if YEAR.fullmatch(year):
                found.append(("past", i, i + 2))
        # "when I was 30", "when she was 40"
        if (
            text == "when"
            and i + 3 < len(texts)
            and texts[i + 2] == "was"
            and texts[i + 3].isdigit()
        ):
            found.append(("past", i, i + 4))
        if text in TIME_UNITS and i + 1 < len(texts) and texts[i + 1] in TIME_PAST:
            start = i
            while start > 0 and (texts[start - 1] in NUMBER_WORDS or texts[start - 1].isdigit()):
                start -= 1
            if start < i:
                found.append(("past", start, i + 2))
    return found


def _negated(hit: Hit, words: Sequence[Word], clause_of: list[int], cues) -> bool:
    """A negation before the sign in its part of the sentence, or before a list it ends:
    "no lumps, bumps, redness or discharge"."""
    clause = clause_of[hit.key]
    for name, start, end in cues:
        if (
            name != "negation"
            or start >= hit.key
            or hit.covers(start)
            or hit.key - end >= NEGATION_REACH * 2
        ):
            continue
        if clause_of[start] == clause and hit.key - end < NEGATION_REACH:
            return True
        # Every part between the negation and the sign is a bare item of a list.
        between = range(clause_of[start] + 1, clause + 1)
        if clause_of[start] < clause and all(_bare_item(words, clause_of, c) for c in between):
            return True
    return False


def _bare_item(words: Sequence[Word], clause_of: list[int], clause: int) -> bool:
    texts = [
        w.text.lower()
        for w, c in zip(words, clause_of, strict=False)
        if c == clause and any(ch.isalnum() for ch in w.text)
    ]
    texts = [t for t in texts if t not in {"and", "or", "nor", "any"}]
    clause_words = FIRST_PERSON | set(THIRD_PERSON) | PRESENT_TENSE | {"it", "there"}
    return 0 < len(texts) <= 3 and not set(texts) & clause_words


def _plain_past(words: Sequence[Word], lo: int, hi: int) -> bool:
    """The sentence tells of the writer's sign in the simple past ("I had"), not "I've had"."""
    for i in range(lo, hi):
        if words[i].text.lower() == "had" and (
            i == lo
            or words[i - 1].text.lower()
            not in {"have", "'ve", "has", "'s", "'d", "ve", "n't", "not"}
        ):
            return True
    return False


def _is_question_clause(
    words: Sequence[Word], clause_of: list[int], clause: int, lo: int, sentence_end: int
) -> bool:
    """The part of the sentence that holds the sign asks a question: it opens with a question
    word, or it ends the sentence with "?" ("I broke out in hives, is that normal?" does not)."""
    positions = _clause_positions(words, clause_of, clause, lo, sentence_end)
    if not positions:
        return False
    last_clause = clause_of[sentence_end - 1] == clause or all(
        not w.text.isalnum() for w in words[positions[-1] + 1 : sentence_end]
    )
    tail = "".join(w.text for w in words[positions[-1] : sentence_end])
    return (last_clause and "?" in tail) or _opens_as_question(words, positions)


def _clause_positions(
    words: Sequence[Word], clause_of: list[int], clause: int, lo: int, sentence_end: int
) -> list[int]:
    return [
        i
        for i in range(lo, sentence_end)
        if clause_of[i] == clause and words[i].text not in CLAUSE_BREAKS
    ]


QUESTION_WORDS = {"what", "whats", "what's", "how", "why", "when", "where", "which", "who"}
# "Can barely breathe", "have not been able to swallow": an auxiliary with its subject left out.
DROPPED_SUBJECT_NEXT = {"barely", "hardly", "not", "n't", "only", "just", "really", "still"}


def _opens_with_a_question_word(words: Sequence[Word], positions: list[int]) -> bool:
    """ "what tests are done for ...", "should women worry about ...": a question word first."""
    if not positions:
        return False
    first = words[positions[0]].text.lower()
    second = words[positions[1]].text.lower() if len(positions) > 1 else ""
    return first in QUESTION_WORDS or (
        first in AUXILIARY_OPENERS and second not in DROPPED_SUBJECT_NEXT
    )


def _opens_as_question(words: Sequence[Word], positions: list[int]) -> bool:
    """The clause opens with a question word: "can the dye make your throat swell", not "throat
    closing up after the dye test??"."""
    if not positions:
        return False
    first = words[positions[0]].text.lower()
    opens_sentence = (
        positions[0] == 0 or words[positions[0] - 1].sentence != words[positions[0]].sentence
    )
    second = words[positions[1]].text.lower() if len(positions) > 1 else ""
    subjects = PRONOUN_SUBJECTS if first in {"have", "has"} else QUESTION_SUBJECTS
    # "Have lump in left breast", "Can barely breathe": the subject left out, not a question.
    if first in AUXILIARY_OPENERS and second not in subjects:
        return False
    # "...and has blood in it": "has" opens a question only at the start, or with a "?".
    # "What are the reasons for..." asks; "What comes out is brown" does not.
    wh_question = first in {"what", "when", "where"} and second in AUXILIARY_OPENERS | {
        "causes",
        "cause",
        "happens",
    }
    wh_question = wh_question or first in {"why", "how"}
    return (first in AUXILIARY_OPENERS or wh_question) and opens_sentence


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per sign and key word."""
    unique: dict[tuple[str, int], Hit] = {}
    for hit in hits:
        unique.setdefault((hit.sign, hit.key), hit)
    return sorted(unique.values(), key=lambda h: (h.key, h.sign))
