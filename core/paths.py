"""Where the project's files are. Each can be moved with an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The content: training data, answers, sources and rules. Publishing writes here; the tests point
# it at a copy so that publishing in a test never changes the checkout.
DATA_DIR = Path(os.environ.get("DATA_DIR") or PROJECT_ROOT / "data")


def data_file(variable: str, name: str) -> Path:
    """A file in data/, or wherever the environment variable points."""
    return Path(os.environ.get(variable, DATA_DIR / name))
