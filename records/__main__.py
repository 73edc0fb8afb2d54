"""`python -m records setup|migrate|seed`: schema through Alembic, then the seed file.

Mediators (until the staff console manages them):
  python -m records mediator add <telegram user id> "<name>" es,ht
  python -m records mediator off <telegram user id>
  python -m records mediator list
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from puente import settings
from records import handoffs, migrate, seed
from records.db import unit_of_work
from records.models import Mediator


def mediator(argv: list[str]) -> int:
    action = argv[0] if argv else "list"
    with unit_of_work() as session:
        if action == "add" and len(argv) == 4 and argv[1].isdigit():
            person = handoffs.register_mediator(session, int(argv[1]), argv[2], argv[3].split(","))
            print(f"mediator {person.name} ({person.telegram_user_id}): {', '.join(person.languages)}")
        elif action == "off" and len(argv) == 2 and argv[1].isdigit():
            person = handoffs.mediator_for(session, int(argv[1]))
            if person is None:
                print("no active mediator with that Telegram id")
                return 1
            person.active = False
            print(f"mediator {person.name} deactivated")
        elif action == "list":
            for person in session.scalars(select(Mediator).order_by(Mediator.name)):
                state = "active" if person.active else "inactive"
                print(f"{person.telegram_user_id}\t{person.name}\t{','.join(person.languages)}\t{state}")
        else:
            print(__doc__)
            return 2
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "setup"
    if command == "mediator":
        return mediator(argv[1:])
    url = settings.load().database_url
    if command in ("migrate", "setup"):
        migrate.upgrade(url)
    if command in ("seed", "setup"):
        with unit_of_work() as session:
            counts = seed.load(session)
        print("records: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    if command not in ("migrate", "seed", "setup"):
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
