"""Rasa checks every reply from the action server against a JSON schema with
`jsonschema.validate`, which first re-checks the (fixed) schema itself: 19 ms of a 20 ms check,
on every custom action (red flags, symptom check, feedback). Compiling the validator once gives
the same verdict and the same error message in 0.3 ms. Rasa Open Source gets no more releases,
so the fix lives here."""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _reply_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result (Rasa 3.6) with a compiled validator."""
    try:
        _reply_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def check_replies_with_compiled_schema() -> None:
    RemoteAction._validate_action_result = _validate_action_result
