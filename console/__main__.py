"""`python -m console serve`                      the console on CONSOLE_HOST:CONSOLE_PORT (127.0.0.1:8089)
`python -m console admin add <email> [--name N]`  a first (or another) admin; asks the password twice
`python -m console admin add <email> --password-stdin`   reads the password from standard input (scripts)
`python -m console staff add <email> ...`          the same, for a staff account (role staff)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from puente import logs, settings
from records import staff
from records.db import unit_of_work
from records.models import StaffRole


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Contraseña (10 caracteres o más): ")
    if first != getpass.getpass("Repita la contraseña: "):
        raise staff.AccountError("Las contraseñas no coinciden.")
    return first


def add_account(role: StaffRole, email: str, name: str, from_stdin: bool) -> int:
    try:
        password = read_password(from_stdin)
        with unit_of_work() as session:
            account = staff.create(session, email, password, role, name)
            print(f"cuenta creada: {account.email} ({account.role.value})")
    except staff.AccountError as error:
        print(f"no se creó la cuenta: {error}", file=sys.stderr)
        return 1
    return 0


def serve() -> int:
    import uvicorn

    from console.app import create_app

    conf = settings.console()
    print(f"console: http://{conf.host}:{conf.port}/", flush=True)
    # ws="none": the console has no websockets, and the websockets release Rasa SDK pins is too old for uvicorn's.
    # log_config=None: uvicorn logs through our handler and format (puente.logs), not its own.
    uvicorn.run(create_app(), host=conf.host, port=conf.port, log_level="warning", proxy_headers=False, ws="none",
                log_config=None)  # fmt: skip
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the console")
    for role in ("admin", "staff"):
        group = commands.add_parser(role, help=f"{role} accounts").add_subparsers(dest="action", required=True)
        add = group.add_parser("add", help=f"create a {role} account")
        add.add_argument("email")
        add.add_argument("--name", default="")
        add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    logs.configure("console")
    if args.command == "serve":
        return serve()
    return add_account(StaffRole(args.command), args.email, args.name, args.password_stdin)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
