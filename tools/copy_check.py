"""Runs of words copied from the source documents, found without keeping their words here.

The documents are someone else's text (one is copyrighted), so the repository keeps only
fingerprints: a hash of every run of WORDS consecutive words in each document
(data/seed_fingerprints.json). A file of ours that contains a run whose hash is listed has
copied at least WORDS words in a row. Same reading as ../shared/tools/seed_overlap.py:
lower-case letters and digits, runs of 8 words, the same kinds of files.

    python -m tools.copy_check build SEEDS_DIR   # rebuild the fingerprints (make fingerprints)
    python -m tools.copy_check [DIR]             # list copied runs in DIR's files
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from core.copying import (  # noqa: F401 (the fingerprints' reading lives in core/copying.py)
    FINGERPRINTS_FILE,
    HASH_CHARS,
    WORDS,
    copied_runs_in,
    fingerprint,
    fingerprints_of,
    load_fingerprints,
    words,
)
from core.paths import PROJECT_ROOT
from core.sources import load_registry

TEXT_SUFFIXES = (".yml", ".yaml", ".md", ".py", ".html", ".js", ".ts", ".json", ".txt", ".css")


def build(seeds_dir: Path) -> dict:
    """Fingerprints of every document in the source registry, read from its seed file."""
    documents = {}
    for doc_id, document in load_registry().items():
        text = (seeds_dir / document["seed_file"]).read_text(encoding="utf-8")
        documents[doc_id] = {
            "seed_file": document["seed_file"],
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "fingerprints": fingerprints_of(text),
        }
    return {
        "words": WORDS,
        "hash": f"sha256, first {HASH_CHARS} hex digits",
        "documents": documents,
    }


def _files(root: Path) -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            os.path.relpath(os.path.join(d, f), root)
            for d, _, names in os.walk(root)
            for f in names
        ]
    return [rel for rel in listed if rel.endswith(TEXT_SUFFIXES) and "/seeds/" not in "/" + rel]


def copied_runs(root: Path, known: set[str]) -> Iterator[str]:
    """'file: copied run of N words: "..."' for each longest run found (our own file's words)."""
    for rel in _files(root):
        if (root / rel).resolve() == FINGERPRINTS_FILE.resolve():
            continue
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        for run in copied_runs_in(text, known):
            yield f"{rel}: {run}"


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        seeds = Path(argv[1]) if len(argv) > 1 else PROJECT_ROOT.parent / "shared" / "seeds"
        FINGERPRINTS_FILE.write_text(json.dumps(build(seeds), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {FINGERPRINTS_FILE.relative_to(PROJECT_ROOT)} from {seeds}")
        return 0
    runs = list(copied_runs(Path(argv[0]) if argv else PROJECT_ROOT, load_fingerprints()))
    print("\n".join(runs) or f"no copied runs of {WORDS}+ words from the source documents")
    return 1 if runs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
