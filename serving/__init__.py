"""What the Rasa server loads to serve patients quickly: the tracker store named in
endpoints.yml, and a fix to how Rasa checks the action server's replies (applied on import,
which endpoints.yml triggers by naming the tracker store)."""
from serving.action_reply_schema import check_replies_with_compiled_schema

check_replies_with_compiled_schema()
