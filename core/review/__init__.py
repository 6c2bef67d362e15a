"""What nurses review: answer ratings, and reports over stored conversations. Pure Python
except store.py, which reads (and, for purges, deletes from) the tracker store."""
