"""Settings more than one process reads, from the environment.

Server settings (ports, the tracker store, locks) take their defaults from settings.env, which
the Makefile and tools/run_servers.sh read too; the clinic's details have theirs here only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from string import Template

from core.paths import PROJECT_ROOT

SETTINGS_FILE = PROJECT_ROOT / "settings.env"


@lru_cache(maxsize=1)
def _defaults() -> dict[str, str]:
    lines = SETTINGS_FILE.read_text(encoding="utf-8").splitlines()
    return {m[1]: m[2] for line in lines if (m := re.match(r"([A-Z_]+)=(.*)$", line))}


def setting(name: str) -> str:
    """The environment's value, else settings.env's default, with the ${NAME}s it uses filled in
    (each from the environment or its own default)."""
    if name in os.environ:
        return os.environ[name]
    default = _defaults()[name]
    return Template(default).substitute(
        {used: setting(used) for used in re.findall(r"\$\{(\w+)\}", default)}
    )


def tracker_store_url() -> str:
    return setting("TRACKER_STORE_URL")


@dataclass(frozen=True)
class Clinic:
    """Who the patient can reach: shown on the web page, in apologies and in escalations."""

    name: str
    phone: str
    hours: str
    emergency_number: str


def clinic() -> Clinic:
    env = os.environ.get
    return Clinic(
        name=env("CLINIC_NAME", "Example Breast Clinic"),
        phone=env("CLINIC_PHONE", "+1 555 0100"),
        hours=env("CLINIC_HOURS", "Monday to Friday, 8 am to 5 pm"),
        emergency_number=env("EMERGENCY_NUMBER", "911"),
    )
