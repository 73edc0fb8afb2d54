"""`python -m records setup|migrate|seed`: schema through Alembic, then the seed file.
`setup` only adds what the records lack (staff edits stay); `seed` rewrites services, workshops and FAQ from the file.

`python -m records retention [--days N] [--dry-run]`: deletes what is kept about people once the
retention period is over (RETENTION_MONTHS; records/retention.py says what goes, what stays anonymous).

Mediators (until the staff console manages them):
  python -m records mediator add <telegram user id> "<name>" es,ht
  python -m records mediator off <telegram user id>
  python -m records mediator list
"""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy import select

from puente import logs, settings
from records import db, handoffs, migrate, retention, seed
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
            requeued = handoffs.deactivate(session, person)
            print(f"mediator {person.name} deactivated; {len(requeued)} conversation(s) back in the queue")
        elif action == "list":
            for person in session.scalars(select(Mediator).order_by(Mediator.name)):
                state = "active" if person.active else "inactive"
                print(f"{person.telegram_user_id}\t{person.name}\t{','.join(person.languages)}\t{state}")
        else:
            print(__doc__)
            return 2
    return 0


def expire(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m records retention")
    parser.add_argument("--days", type=int, help="instead of RETENTION_MONTHS, for this run")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    args = parser.parse_args(argv)
    conf = settings.load()
    if args.days is not None and args.days < 1:
        parser.error("--days must be 1 or more")
    before = retention.cutoff(conf.retention_months, args.days)
    period = f"{args.days} days" if args.days is not None else f"{conf.retention_months} months"
    counts = retention.run(
        db.engine_for(conf.database_url), settings.tracker_database_url(), before, conf.handoff.keep_days, args.dry_run
    )
    verb = "would delete" if args.dry_run else "deleted"
    print(f"retention: {period}, {verb} what ended before {before:%Y-%m-%d %H:%M} UTC")
    for table, count in counts.items():
        print(f"  {table:<22} {count}")
    logging.getLogger("records.retention").info(
        "retention %s", "dry run" if args.dry_run else "done", extra={"before": before.isoformat(), **counts}
    )
    return 0


def main(argv: list[str]) -> int:
    logs.configure("records")
    command = argv[0] if argv else "setup"
    if command == "mediator":
        return mediator(argv[1:])
    if command == "retention":
        return expire(argv[1:])
    url = settings.load().database_url
    if command in ("migrate", "setup"):
        migrate.upgrade(url)
    if command in ("seed", "setup"):
        with unit_of_work() as session:
            # `setup` runs on every start: it adds what is missing and keeps staff edits.
            counts = seed.load(session, update=command == "seed")
        print("records: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    if command not in ("migrate", "seed", "setup"):
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
