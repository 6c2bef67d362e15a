"""Other names patients use for the documents' subjects (data/synonyms.yml), read as the
subject's own word: "privigen" is "immunoglobulin", "mediport" is "port"."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from core.paths import data_file

SYNONYMS_FILE = data_file("SYNONYMS_FILE", "synonyms.yml")


@cache
def synonyms(path: Path = SYNONYMS_FILE) -> dict[str, str]:
    """{name: the subject's word}."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return {
        str(name).lower(): subject
        for subject, spec in (raw.get("subjects") or {}).items()
        for name in spec.get("names") or []
    }


def subject_word(word: str) -> str:
    """The subject's own word for a lower-case word, or the word itself."""
    return synonyms().get(word, word)
