"""`python -m records setup|migrate|seed`: schema through Alembic, then the seed file."""

from __future__ import annotations

import sys

from puente import settings
from records import migrate, seed
from records.db import unit_of_work


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "setup"
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
