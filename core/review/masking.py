"""Hides phone numbers and e-mail addresses in what patients typed, before nurses see it."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +
# ("+1 (555) 010-0199", "07700 900123"); shorter numbers (ages, "2 weeks") stay.
PHONE = re.compile(r"(?<![\w+])\+?(?:[\s().-]*\d){7,}(?!\w)")
# Either needs an "@" or a digit; most messages have neither, and the two searches are slower.
MAYBE_MASKED = re.compile(r"[@\d]")


def mask(text: str) -> str:
    text = text or ""
    if not MAYBE_MASKED.search(text):
        return text
    text = EMAIL.sub("[e-mail]", text)
    return PHONE.sub(lambda match: (" " if match.group(0)[0].isspace() else "") + "[phone]", text)
