"""Two fixes to how Rasa calls the action server: replies checked with a compiled schema, and
an apology to the patient when an action cannot run. `install()` applies them; the Rasa
server's entry point (`python -m rasa_addons`) calls it, and nothing else patches Rasa."""

from rasa_addons.remote_action.outage import apologise_when_actions_fail
from rasa_addons.remote_action.reply_schema import check_replies_with_compiled_schema


def install() -> None:
    check_replies_with_compiled_schema()
    apologise_when_actions_fail()
