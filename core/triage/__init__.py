"""Red-flag triage: the rule book (data/red_flags.yml), the detector and the assessment.

Pure Python (spaCy and medspaCy, no Rasa), so it is unit-tested on its own and
shared by the NLU component and the actions.
"""
