"""`python -m rasa_addons ARGS` is `rasa ARGS` with this project's fixes to Rasa installed
(rasa_addons/remote_action), and with Rasa's HTTP API on only when RASA_API_TOKEN is set. The
token is read from the environment here, not passed as rasa's --auth-token argument, because
every local user can read a process's arguments (`ps`), while its environment is private."""

import os
import sys

from rasa.__main__ import main

from rasa_addons.remote_action import install

if __name__ == "__main__":
    install()
    token = os.environ.get("RASA_API_TOKEN")
    if token and sys.argv[1:2] == ["run"]:
        sys.argv += ["--enable-api", "--auth-token", token]
    sys.argv[0] = "rasa"
    main()
