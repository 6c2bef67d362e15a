"""Where the project's files are. Each can be moved with an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def data_file(variable: str, name: str) -> Path:
    """A file in data/, or wherever the environment variable points."""
    return Path(os.environ.get(variable, DATA_DIR / name))
