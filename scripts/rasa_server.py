"""`rasa run ARGS`, with Rasa's HTTP API on only when RASA_API_TOKEN is set. The token is read
from the environment here, not passed as rasa's --auth-token argument, because every local user
can read a process's arguments (`ps`), while its environment is private to its owner."""
import os
import sys

from rasa.__main__ import main

if __name__ == "__main__":
    token = os.environ.get("RASA_API_TOKEN")
    if token:
        sys.argv += ["--enable-api", "--auth-token", token]
    sys.argv[0] = "rasa"
    main()
