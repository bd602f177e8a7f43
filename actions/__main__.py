"""The action server: `python -m actions [--port 5055]` (what `make run` starts).

The composition root of this process: settings, then the services (`services.py`), then one
instance of every action built with them, registered with rasa-sdk's executor and served by its
Sanic app in this process.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions.emergency import ActionEmergency
from actions.handoff import ActionHandoffToStaff
from actions.knowledge import ActionAnswerQuestion
from actions.language import ActionSwitchLanguage
from actions.replies import ReplyAction
from actions.services import ActionServices, ActionSettings, start_services
from actions.smalltalk import ActionFeedback, ActionGreet, ActionOutOfScope, ActionSmalltalk

ACTIONS: tuple[type[ReplyAction], ...] = (ActionGreet, ActionSmalltalk, ActionFeedback, ActionOutOfScope,
                                          ActionAnswerQuestion, ActionHandoffToStaff, ActionSwitchLanguage,
                                          ActionEmergency)


def executor(services: ActionServices) -> ActionExecutor:
    registry = ActionExecutor()
    for action in ACTIONS:
        registry.register_action(action(services))
    return registry


def main(argv: list[str] | None = None) -> int:
    settings = ActionSettings()
    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__)
    parser.add_argument("--port", type=int, default=settings.action_server_port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(executor(start_services(settings)), cors_origins=None)
    app.run(host=os.environ.get("SANIC_HOST", "127.0.0.1"), port=args.port, single_process=True, access_log=False,
            motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
