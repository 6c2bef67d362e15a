"""Custom actions, one module per concern, served by `python -m actions.server` on ACTION_PORT.

FAQ answers need no custom action: Rasa's response selector picks them and
rasa_addons.nlg adds their citation.
"""
