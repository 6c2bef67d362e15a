"""Everything the Rasa server loads, named in config.yml, credentials.yml and endpoints.yml:
nlu/ (NLU components), channels/ (REST and socket.io), nlg.py (answers with their sources,
escalations), tracker_store.py and recent_turns_tracker.py (the SQL store, read fast), and
remote_action/ (how Rasa calls the action server), installed by `python -m rasa_addons`.
"""
