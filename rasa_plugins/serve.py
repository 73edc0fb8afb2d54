"""`python -m rasa_plugins.serve run ...`: `rasa run ...` with its HTTP API behind RASA_TOKEN.

Rasa takes the token only as `--auth-token`; written on the command line it could be read by any
user of the machine (`ps`, /proc/<pid>/cmdline), while a process's environment is its owner's alone.
So the token comes in the environment and is added to the arguments inside the process.
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

if __name__ == "__main__":
    token = os.environ.get("RASA_TOKEN", "")
    if not token:
        sys.exit("RASA_TOKEN is not set: Rasa's API (conversations, model) would answer anyone who reaches it")
    sys.argv = ["rasa", *sys.argv[1:], "--auth-token", token]
    main()
