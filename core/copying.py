"""Runs of words copied from the source documents, found without keeping their words here.

The documents are someone else's text (one is copyrighted), so the repository keeps only
fingerprints: a hash of every run of WORDS consecutive words in each document
(data/seed_fingerprints.json, or SEED_FINGERPRINTS_FILE). Text that contains a run whose hash
is listed has copied at least WORDS words in a row. tools/copy_check.py builds the file and
walks the repository's files with these functions. Pure Python."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from core.paths import DATA_DIR

FINGERPRINTS_FILE = Path(
    os.environ.get("SEED_FINGERPRINTS_FILE", DATA_DIR / "seed_fingerprints.json")
)
WORDS = 8
HASH_CHARS = 16  # 64 bits: no chance collision among a few thousand runs


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def fingerprint(run: list[str]) -> str:
    return hashlib.sha256(" ".join(run).encode()).hexdigest()[:HASH_CHARS]


def fingerprints_of(text: str, size: int = WORDS) -> list[str]:
    found = words(text)
    return sorted({fingerprint(found[i : i + size]) for i in range(len(found) - size + 1)})


def load_fingerprints(path: Path = FINGERPRINTS_FILE) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["words"] != WORDS:
        raise ValueError(
            f"{path} holds runs of {data['words']} words; rebuild it with `make fingerprints`."
        )
    return {
        print_ for document in data["documents"].values() for print_ in document["fingerprints"]
    }


def copied_runs_in(text: str, known: set[str]) -> Iterator[str]:
    """'copied run of N words: "..."' for each longest run of `text` found in `known`."""
    found = words(text)
    i = 0
    while i <= len(found) - WORDS:
        if fingerprint(found[i : i + WORDS]) in known:
            j = i + WORDS
            while j < len(found) and fingerprint(found[j - WORDS + 1 : j + 1]) in known:
                j += 1
            yield f'copied run of {j - i} words: "{" ".join(found[i:j])}"'
            i = j
        else:
            i += 1
