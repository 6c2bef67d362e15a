"""What of a patient's typed message reaches the model, pure Python."""

from __future__ import annotations

import re
import unicodedata

# Refused with a 400 above this; a 100,000-character message is still answered.
MAX_REQUEST_CHARS = 200_000
# The model reads this much; Rasa's memory grows with the square of a message's length
# (a 31 KB message took 4.3 GB). Real questions are far shorter.
MAX_MODEL_CHARS = 2_000
# The tracker store keeps sender ids in a 255-character column.
MAX_SENDER_CHARS = 128
# Rasa reads "/intent" as an intent and skips understanding; only these (the widget's thumbs,
# RATING_PAYLOADS in widget/src/rasa-replies.js) are let through. Every other button sends words.
OWN_PAYLOADS = frozenset({"/feedback_helpful", "/feedback_not_helpful"})

# Control characters (NUL included) except line breaks and tabs, and invisible format
# characters such as zero-width spaces; letters, emoji and right-to-left text stay.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(typed: str) -> str:
    """The message without invisible characters, and with a typed "/intent" turned to words."""
    text = "".join(
        ch
        for ch in _INVISIBLE.sub("", typed)
        if unicodedata.category(ch) != "Cf" or ch in "\u200d\ufe0f"
    )
    text = text.strip()
    if text.startswith("/") and text not in OWN_PAYLOADS:
        text = text.lstrip("/ ").strip()
    return text


def model_text(text: str) -> str:
    return text[:MAX_MODEL_CHARS].rstrip()
