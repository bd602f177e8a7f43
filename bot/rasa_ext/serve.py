"""`python -m bot.rasa_ext.serve ARGS`: `rasa run ARGS` with the API token taken from the environment.

`rasa run --auth-token=...` would put the token on the command line, which every user of the machine
can read (`ps`, /proc/PID/cmdline). Here the token comes from `RASA_TOKEN` (the environment of a
process is readable only by its owner) and is handed to Rasa's own argument parser in-process.
"""

import os
import sys


def main() -> None:
    from rasa.__main__ import main as rasa_main

    token = os.environ.get("RASA_TOKEN", "")
    sys.argv = ["rasa", "run", *sys.argv[1:], *(["--auth-token", token] if token else [])]
    rasa_main()


if __name__ == "__main__":
    main()
