"""Reads the assistant's content (answers, examples, sources) straight from the YAML files.

Used by the tests; kept free of Rasa imports so it stays fast and simple.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.paths import DATA_DIR, PROJECT_ROOT

NLU_DIR = DATA_DIR / "nlu"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
HOLDOUT_FILE = PROJECT_ROOT / "tests" / "nlu_holdout.yml"
CONVERSATION_TESTS_DIR = PROJECT_ROOT / "tests" / "conversations"


def _load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def examples_by_intent(path: Path) -> dict[str, list[str]]:
    """{"faq/topic" or "greet": [example, ...]} from one Rasa NLU file."""
    result: dict[str, list[str]] = {}
    for block in _load(path).get("nlu") or []:
        if "intent" in block:
            lines = block.get("examples", "").splitlines()
            result.setdefault(block["intent"], []).extend(
                line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")
            )
    return result


def training_examples() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        for intent, examples in examples_by_intent(path).items():
            merged.setdefault(intent, []).extend(examples)
    return merged


def all_response_variants() -> dict[str, list[dict[str, Any]]]:
    """Every response the assistant can send: FAQ answers and domain responses."""
    result = {
        name: list(variants)
        for name, variants in (_load(DOMAIN_FILE).get("responses") or {}).items()
    }
    for path in sorted(NLU_DIR.glob("*.yml")):
        for name, variants in (_load(path).get("responses") or {}).items():
            result.setdefault(name, []).extend(variants)
    return result


def faq_responses() -> dict[str, dict[str, Any]]:
    """{"utter_faq/topic": first response variant}."""
    return {
        name: variants[0]
        for name, variants in all_response_variants().items()
        if name.startswith("utter_faq/")
    }


def conversation_test_intents() -> set[str]:
    """Intents (full retrieval names) used by user turns in tests/conversations/."""
    intents = set()
    for path in CONVERSATION_TESTS_DIR.glob("test_*.yml"):
        for story in _load(path).get("stories") or []:
            intents |= {step["intent"] for step in story["steps"] if "intent" in step}
    return intents


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


@lru_cache(maxsize=1)
def faq_titles() -> dict[str, str]:
    """{"utter_faq/topic": its title}: the short question nurses and patients see for a topic
    ("How long does the test take?"), edited with the answer in data/nlu/."""
    return {
        name: str((response.get("metadata") or {}).get("title") or "").strip()
        for name, response in faq_responses().items()
    }


def answer_files() -> dict[str, Path]:
    """{"utter_faq/topic": the data/nlu/ file its answer is written in}."""
    return {
        name: path
        for path in sorted(NLU_DIR.glob("*.yml"))
        for name in (_load(path).get("responses") or {})
        if name.startswith("utter_faq/")
    }
