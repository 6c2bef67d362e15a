"""What our trained components keep in the model: one JSON file in their resource."""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def write_json(model_storage: ModelStorage, resource: Resource, filename: str, data: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (directory / filename).write_text(json.dumps(data), encoding="utf-8")


def read_json(model_storage: ModelStorage, resource: Resource, filename: str, default: Any) -> Any:
    """The stored data, or `default` when the component was trained without any."""
    try:
        with model_storage.read_from(resource) as directory:
            return json.loads((directory / filename).read_text(encoding="utf-8"))
    except (ValueError, FileNotFoundError):
        return default
