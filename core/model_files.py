"""Which files a model is trained from, and its name: a hash of their contents. `make train`
retrains only when the name changes (so also when our trained components' code changes, which
Rasa's own cache does not notice), and publishing (webapp/publisher.py) names the model it trains
from staged content as `make` will name it once that content is in data/.

    python3 -m core.model_files [DATA_DIR]   # prints the name; standard library only
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from core.paths import DATA_DIR, PROJECT_ROOT

# Training data under the content directory.
DATA_FOLDERS = ("nlu", "rules", "stories")
# Code that shapes the trained components, and data they read while training. data/scope.yml's
# anchors are the subjects the tokenizer carries into a question; data/synonyms.yml's names are
# read as their subject's word.
CODE_INPUTS = (
    "core/retrieval/questions.py",
    "core/retrieval/scope.py",
    "data/scope.yml",
    "core/retrieval/index.py",
    "core/triage/language.py",
    "core/edit_distance.py",
    "core/synonyms.py",
    "data/synonyms.yml",
)
PREFIX = "assistant-"


def model_inputs(data_dir: Path = DATA_DIR) -> list[tuple[str, Path]]:
    """[(the name hashed, the file read)]. Content is named as under data/ wherever it lives,
    so a copy with the same content gives the same model name."""

    def content(path: Path) -> tuple[str, Path]:
        return f"data/{path.relative_to(data_dir).as_posix()}", path

    inputs = [(name, PROJECT_ROOT / name) for name in ("config.yml", "domain.yml")]
    inputs += sorted(
        content(path)
        for folder in DATA_FOLDERS
        for path in (data_dir / folder).rglob("*.yml")
        if path.is_file()
    )
    inputs += sorted(
        (f"rasa_addons/nlu/{path.name}", path)
        for path in (PROJECT_ROOT / "rasa_addons" / "nlu").glob("*.py")
    )
    for name in CODE_INPUTS:
        inputs.append(
            content(data_dir / name[5:])
            if name.startswith("data/")
            else (name, PROJECT_ROOT / name)
        )
    return inputs


def model_name(data_dir: Path = DATA_DIR) -> str:
    """assistant-<12 hex digits>, as `sha256sum $(inputs) | sha256sum` gives it."""
    listing = "".join(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n"
        for name, path in model_inputs(data_dir)
    )
    return PREFIX + hashlib.sha256(listing.encode()).hexdigest()[:12]


if __name__ == "__main__":
    print(model_name(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR))
