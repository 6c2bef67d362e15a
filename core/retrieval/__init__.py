"""A second opinion for FAQ questions: lexical retrieval over the answers and their example
questions, the question parts of a long message, and the decision that combines both with
the classifier. Pure Python with scikit-learn; no Rasa imports, so it is unit-tested in
milliseconds and loaded by the Rasa component in rasa_addons/nlu/faq_retrieval.py.
"""
