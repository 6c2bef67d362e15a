"""Finds the rule book's signs in a message, with their context (medspaCy ConText).

A sign counts as reported now ("active") unless it is negated ("no blood"), about
someone else ("my mother had a lump"), in the past and over ("I had a lump years
ago"), or part of a general or hypothetical question ("what does bloody discharge
mean?"). General questions still get an educational answer from the caller.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import List, Optional

import medspacy
import spacy
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

from triage.rules import AGE_SIGN, RuleBook

# medspaCy keeps an empty sub-matcher when all rules are phrases; spaCy warns on each call.
warnings.filterwarnings("ignore", message=r"\[W036\]")

# Extra context triggers for how patients write; medspaCy's defaults cover the rest.
EXTRA_CONTEXT_RULES = [
    ConTextRule(literal, "HISTORICAL", direction="BIDIRECTIONAL")
    for literal in [
        "years ago", "year ago", "months ago", "last year", "in the past", "used to", "went away",
        "has gone away", "cleared up", "cleared", "resolved", "healed", "it's gone", "is gone",
        "gone now", "no longer", "stopped", "a while back", "long ago", "back then", "as a teenager",
    ]
] + [
    ConTextRule(literal, "NEGATED_EXISTENCE", direction="FORWARD")
    for literal in ["nothing", "none", "never had", "never noticed", "haven't had", "have not had", "haven't noticed",
                    "have not noticed", "no sign of", "free of", "without any", "not any"]
] + [
    ConTextRule(literal, "NEGATED_EXISTENCE", direction="BACKWARD")
    for literal in ["is gone", "has stopped", "not there", "at all"]
] + [
    # "It's not clear, it's bloody": a new clause ends the negation.
    ConTextRule(literal, "TERMINATE", direction="TERMINATE")
    for literal in ["it's", "it is", "its", "but it", "although", "though", "except"]
] + [
    ConTextRule(literal, "FAMILY", direction="FORWARD")
    for literal in ["my mum", "my mom", "my mother", "my sister", "my aunt", "my grandmother", "my gran",
                    "my friend", "my cousin", "my daughter", "my niece", "a friend", "my neighbour",
                    "my neighbor", "my colleague", "someone i know", "a woman i know"]
]

# A question about a sign in general, not a report ("what does bloody discharge mean?").
GENERAL_QUESTION = re.compile(
    r"^\s*(what|why|how|when|which|who|is|are|does|do|can|could|should|would|will|may|might)\b"
    r"|\bwhat if\b|\bin case\b|\bif (?:i|you|a|the|there|someone|one)\b|\bmean\??\s*$|\ba sign of\b",
    re.IGNORECASE,
)
# ...unless the same sentence also reports something about the patient now.
PERSONAL_REPORT = re.compile(
    r"(?<!if )(?<!what if )\b(i have|i've|i’ve|ive|i got|i found|i noticed|i notice|i feel|i felt|"
    r"i see|i saw|i keep|i am having|i'm having|im having|i am getting|i'm getting|im getting|"
    r"i get|i've been|i have been|i woke|there is|there's|theres|there are|"
    r"my (?:\w+ ){0,2}(?:is|are|has|have|was|were|keeps|started|feels|looks|leaks|bleeds|hurts))\b",
    re.IGNORECASE,
)
AGE = re.compile(
    r"\b(?:i am|i'm|i’m|im|age|aged|i turned)\s+(?:a\s+)?(\d{2,3})\b|\bin my (\d)0s\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    sign: str
    text: str
    negated: bool = False
    general: bool = False
    historical: bool = False
    other_person: bool = False

    @property
    def active(self) -> bool:
        return not (self.negated or self.general or self.historical or self.other_person)


@dataclass(frozen=True)
class Detection:
    findings: List[Finding]

    @property
    def active_signs(self) -> List[str]:
        return sorted({f.sign for f in self.findings if f.active})

    @property
    def general_signs(self) -> List[str]:
        """Signs asked about in general, and not reported now."""
        active = set(self.active_signs)
        return sorted(
            {f.sign for f in self.findings if f.general and not (f.negated or f.other_person) and f.sign not in active}
        )

    def as_dict(self) -> dict:
        return {
            "active_signs": self.active_signs,
            "general_signs": self.general_signs,
            "findings": [f.__dict__ for f in self.findings],
        }


def build_pipeline(rulebook: RuleBook) -> spacy.language.Language:
    """Blank English + sentencizer + medspaCy target matcher and ConText: nothing to download."""
    nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher", "medspacy_context"])
    nlp.add_pipe("sentencizer", first=True)
    matcher = nlp.get_pipe("medspacy_target_matcher")
    matcher.add([TargetRule(term, sign.id) for sign in rulebook.signs.values() for term in sign.terms])
    matcher.add([TargetRule(regex, sign.id, pattern=regex) for sign in rulebook.signs.values() for regex in sign.patterns])
    nlp.get_pipe("medspacy_context").add(EXTRA_CONTEXT_RULES)
    return nlp


def _context_categories(ent) -> set:
    """ConText categories that modify this finding, ignoring triggers inside the finding
    itself ("can't breathe", "pain is not going away")."""
    categories = set()
    for modifier in ent._.modifiers:
        trigger_start, trigger_end = modifier.modifier_span
        if trigger_start >= ent.start and trigger_end <= ent.end:
            continue
        categories.add(modifier.category)
    return categories


class RedFlagDetector:
    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self.nlp = build_pipeline(rulebook)

    def detect(self, text: str) -> Detection:
        doc = self.nlp(text or "")
        findings = []
        for sentence in doc.sents:
            general = bool(GENERAL_QUESTION.search(sentence.text)) and not PERSONAL_REPORT.search(sentence.text)
            for ent in sentence.ents:
                if self._excluded(ent, sentence.text.lower()):
                    continue
                context = _context_categories(ent)
                findings.append(
                    Finding(
                        sign=ent.label_,
                        text=ent.text,
                        negated="NEGATED_EXISTENCE" in context,
                        general=general or ("HYPOTHETICAL" in context and not PERSONAL_REPORT.search(sentence.text)),
                        historical="HISTORICAL" in context,
                        other_person="FAMILY" in context,
                    )
                )
            age_finding = self._age(sentence.text, general)
            if age_finding:
                findings.append(age_finding)
        return Detection(findings)

    def _excluded(self, ent, sentence_text: str) -> bool:
        sign = self.rulebook.signs.get(ent.label_)
        return bool(sign and any(phrase in sentence_text for phrase in sign.not_in if ent.text.lower() in phrase))

    def _age(self, sentence_text: str, general: bool) -> Optional[Finding]:
        for match in AGE.finditer(sentence_text):
            age = int(match.group(1)) if match.group(1) else int(match.group(2)) * 10
            if self.rulebook.age_threshold <= age < 120:
                return Finding(sign=AGE_SIGN, text=match.group(0), general=general)
        return None
