"""Names shared by the Rasa server, the action server and the dashboard: intents, parse-data
keys and slots. They must match domain.yml and data/."""

# Intents
FAQ_INTENT = "faq"  # the retrieval intent: every FAQ topic is faq/<topic>
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
RED_FLAG_INTENT = "red_flag"
CLARIFY_INTENT = "clarify_symptom"
CHECK_INTENT = "check_symptoms"
STOP_INTENT = "stop"
# What a patient asks the clinic to do (core/patient_requests.py): the call-back form, or the
# confirmation before her conversation is deleted.
CALLBACK_INTENT = "request_callback"
FORGET_INTENT = "forget_me"

# Keys the NLU components add to a message's parse data
RED_FLAGS_KEY = "red_flags"  # the red-flag detector's findings and verdict
PATIENT_REQUEST_KEY = "patient_request"  # the words that made a request, when rules found it
READING_KEY = "faq_reading"  # how the FAQ question was read: {"answers", "suggestions", "how"}
# Message metadata: the whole text of a message cut short for the model, for the red-flag check.
FULL_TEXT_METADATA_KEY = "full_text"

# Responses
ANSWER_PREFIX = "utter_faq/"  # an answer's response name is ANSWER_PREFIX + topic
# "Please rephrase", or "Did you mean ...?" when topics come close (rasa_addons/nlg.py)
REPHRASE_RESPONSE = "utter_ask_rephrase"

# Slots
SUBJECT_SLOT = "sign_subject"  # {"relation", "pronoun"} of the person a carer writes about
OWNER_SLOT = "sign_owner"  # whose sign, and whether it is happening now
FEEDBACK_SLOT = "answer_feedback"
