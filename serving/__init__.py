"""What the Rasa server loads to serve patients quickly and safely: the tracker store named in
endpoints.yml, and two fixes to how Rasa calls the action server, applied on import (which
endpoints.yml triggers by naming the tracker store): replies checked with a compiled schema,
and an apology to the patient when an action cannot run."""
from serving.action_reply_schema import check_replies_with_compiled_schema
from serving.action_server_outage import apologise_when_actions_fail

check_replies_with_compiled_schema()
apologise_when_actions_fail()
