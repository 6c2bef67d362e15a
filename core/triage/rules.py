"""The rule book in data/red_flags.yml and the assessment of a set of signs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.paths import data_file
from core.settings import clinic

RED_FLAGS_FILE = data_file("RED_FLAGS_FILE", "red_flags.yml")
AGE_SIGN = "age_50_or_over"


@dataclass(frozen=True)
class Level:
    name: str
    rank: int
    headline: str
    next_step: str
    # The same, said to a carer about the person they write for ({pronoun}, {possessive}, {object}).
    headline_other: str = ""
    next_step_other: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    signs: frozenset[str]
    level: str
    reason: str
    basis: str
    reference: str
    advice: str = ""


@dataclass(frozen=True)
class Combination:
    """Words of every class in `classes`, in one sentence within `within` words of each other."""

    classes: tuple[str, ...]
    within: int
    across_sentences: bool = False
    needs: str | None = None  # another sign the message must also report


@dataclass(frozen=True)
class Sign:
    id: str
    terms: tuple
    not_in: tuple = ()
    # Word forms, as written and not in any inflection, that are not the sign by themselves;
    # the combinations still count them (data/red_flags.yml).
    not_as: tuple = ()
    # Regular expressions (case-insensitive) for wordings a phrase list cannot cover.
    patterns: tuple = ()
    combine: tuple[Combination, ...] = ()


@dataclass(frozen=True)
class RuleBook:
    levels: dict[str, Level]
    signs: dict[str, Sign]
    rules: list[Rule]
    emergency_number: str  # from core.settings (EMERGENCY_NUMBER), said in emergency replies
    age_threshold: int
    # word class -> lay words ("red*" marks a colour stem); see data/red_flags.yml
    word_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # cue list name -> phrases; "relations" maps a pronoun to the relatives it speaks of
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """The outcome for one set of active signs: the highest level and every rule that fired."""

    level: str | None
    rules: list[Rule] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [rule.id for rule in self.rules]


@cache
def load_rulebook(path: Path = RED_FLAGS_FILE) -> RuleBook:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    levels = {name: Level(name, **spec) for name, spec in raw["levels"].items()}
    signs = {
        sign_id: Sign(
            sign_id,
            tuple(t.lower() for t in spec["terms"]),
            tuple(t.lower() for t in spec.get("not_in", [])),
            patterns=tuple(spec.get("patterns", [])),
            combine=tuple(
                Combination(
                    tuple(c["all"]),
                    int(c["within"]),
                    bool(c.get("across_sentences")),
                    c.get("needs"),
                )
                for c in spec.get("combine", [])
            ),
            not_as=tuple(t.lower() for t in spec.get("not_as", [])),
        )
        for sign_id, spec in raw["signs"].items()
    }
    word_classes = {
        name: tuple(str(w).lower() for w in words)
        for name, words in raw.get("word_classes", {}).items()
    }
    rules = [
        Rule(
            r["id"],
            frozenset(r["all"]),
            r["level"],
            r["reason"],
            r["basis"],
            r["reference"],
            r.get("advice", ""),
        )
        for r in raw["escalation_rules"]
    ]
    known_signs = set(signs) | {AGE_SIGN}
    for rule in rules:
        unknown = rule.signs - known_signs
        if unknown or rule.level not in levels:
            raise ValueError(
                f"rule {rule.id}: unknown signs {sorted(unknown)} or level {rule.level}"
            )
    for sign in signs.values():
        for combination in sign.combine:
            missing = set(combination.classes) - set(word_classes)
            if missing or (combination.needs and combination.needs not in signs):
                raise ValueError(
                    f"sign {sign.id}: unknown word classes {sorted(missing)} or sign {combination.needs}"
                )
    return RuleBook(
        levels,
        signs,
        rules,
        clinic().emergency_number,
        int(raw["age_threshold"]),
        word_classes,
        raw.get("context", {}),
    )


def assess(active_signs: Iterable[str], rulebook: RuleBook) -> Assessment:
    """Every rule whose signs are all present, highest level first."""
    present = set(active_signs)
    fired = [rule for rule in rulebook.rules if rule.signs <= present]
    if not fired:
        return Assessment(None)
    fired.sort(key=lambda rule: -rulebook.levels[rule.level].rank)
    return Assessment(fired[0].level, fired)
