"""The pure core: what the assistant knows and decides, with no Rasa, Sanic or web framework.

- triage/: the red-flag rule book (data/red_flags.yml), the detector and the verdict;
- retrieval/: the questions inside a message, TF-IDF retrieval and how it combines with the
  classifier;
- review/: answer ratings, masking and the reports nurses read, call-back requests;
- content.py and sources.py: the training data and answers, the source registry;
- names.py, paths.py and settings.py: the names, paths and settings every process shares;
  model_files.py: which files a model is trained from, and its name; clinic_hours.py: when the
  clinic is open, for call-back requests.

tests/test_architecture.py keeps it pure: nothing here imports from the outer packages.
"""
