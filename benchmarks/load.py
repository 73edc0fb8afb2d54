"""Turn latency under concurrency, through Rasa's REST channel, with actions and database work.

    .venvs/app/bin/python -m benchmarks.load [--conversations 20] [--rounds 3] [--replicas 2]

--think S adds a person's pause (uniform 0..2S seconds) before each message; without it every
conversation sends its next message the moment it gets a reply (saturation).
Starts its own action server and Rasa server (the current model, a fresh SQLite records file),
then runs N conversations at once, each a realistic multi-turn flow: greeting, language, service
question, workshop list, enrolment form with consent, status, cancellation, thanks. Every turn
must keep the conversation contract (tests/turns.py): a loop or a silent turn fails the run. Prints p50/p95/max
turn latency, turns per second and errors, plus the Rasa server's start time and memory.
--replicas N starts N Rasa servers on one action server; the turns go through the gateway's client,
which routes each sender to one replica (bot/replicas.py). Several replicas need the conversations
on PostgreSQL (a fresh database on TEST_POSTGRES_URL's server, dropped at the end) and the lock
store on Redis (--lock-store); `--store postgres` uses the same with one replica, for a fair
comparison. Sends traffic to 127.0.0.1 only; bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.rasa_client import RasaClient, RasaUnavailable
from puente.stack import Stack, free_port, model_path
from tests import turns
from tests.conftest import create_pg_database, drop_pg_database, prepared

FLOW = [
    "hola",
    '/choose_language{"language": "es"}',
    "donde queda el consultorio?",
    "que cursos hay?",
    '/workshop_enrol{"workshop": "spanish_course"}',
    "/affirm",
    "1",
    "Ana Perez",
    "9 1234 5678",
    "estoy inscrita en algun curso?",
    "quiero cancelar mi inscripcion",
    "/affirm",
    "gracias",  # answered: the confirmation ends by listening
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mb(pid: int) -> float:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return rss_mb(pid) + sum(tree_rss_mb(k) for k in kids)


async def conversation(
    client: RasaClient, sender: str, latencies: list[float], errors: list[str], think: float = 0.0
) -> None:
    for message in FLOW:
        if think:
            await asyncio.sleep(random.uniform(0, 2 * think))  # a person reading and typing
        started = time.perf_counter()
        try:
            replies = await client.send(sender, message)  # routed like the gateway does: one replica per sender
        except RasaUnavailable as error:
            errors.append(f"{sender}: {error}")
            replies = None
        latencies.append(time.perf_counter() - started)
        if replies is not None:  # the figures measure real turns: a loop or a silent turn is an error
            said = [turns.Message(r.text, [{"title": b.title} for b in r.buttons]) for r in replies]
            broken = turns.problems(turns.Turn(message, said))
            if broken:
                errors.append(f"{sender} {message!r}: {'; '.join(broken)}")


def senders(client: RasaClient, prefix: str, count: int) -> list[str]:
    """`count` new sender ids, as many for each replica: with thousands of people the hash spreads
    them evenly, but ten could fall eight and two, and measure the split instead of the replicas."""
    urls = client.replicas.urls
    candidates = (f"{prefix}:{n}" for n in itertools.count())
    chosen: list[str] = []
    for i in range(count):
        chosen.append(next(c for c in candidates if client.replicas.home(c) == urls[i % len(urls)]))
    return chosen


async def run_load(urls: list[str], conversations: int, rounds: int, think: float) -> int:
    """Runs the rounds; returns how many turns failed (an error, or a broken turn contract)."""
    client = RasaClient(urls, timeout=60)
    failures = 0
    run = uuid.uuid4().hex[:6]  # a run's senders are new conversations, even on a kept database
    try:
        for sender in senders(client, f"warmup:{run}", len(urls)):  # each replica's first turn: not measured
            await conversation(client, sender, [], [])
        client.replicas.served.clear()
        for round_ in range(rounds):
            latencies: list[float] = []
            errors: list[str] = []
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    conversation(client, sender, latencies, errors, think)
                    for sender in senders(client, f"load:{run}:{round_}", conversations)
                )
            )
            elapsed = time.perf_counter() - started
            q = statistics.quantiles(latencies, n=100)
            print(
                f"round {round_ + 1}: {len(urls)} replica(s), {conversations} conversations x {len(FLOW)} turns, "
                f"think {think:.0f} s: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms, {len(latencies) / elapsed:.1f} turns/s, errors {len(errors)}"
            )
            for error in errors[:5]:
                print("   ", error)
            failures += len(errors)
        if len(urls) > 1:
            print("turns per replica:", ", ".join(f"{url} {client.replicas.served[url]}" for url in urls))
    finally:
        await client.close()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a person takes between messages")
    parser.add_argument("--replicas", type=int, default=1, help="Rasa servers, each sender routed to one")
    parser.add_argument(
        "--store", choices=("sqlite", "postgres"), help="where the records and conversations are kept "
        "(default: sqlite for one replica, postgres for several)",
    )  # fmt: skip
    parser.add_argument(
        "--lock-store", default=os.environ.get("LOCK_STORE_URL") or "redis://127.0.0.1:6379/1",
        help="Rasa's lock store with --store postgres (default: LOCK_STORE_URL, else local Redis db 1)",
    )  # fmt: skip
    parser.add_argument("--model", type=Path, default=None, help="default: the model of the current data")
    args = parser.parse_args()
    store = args.store or ("sqlite" if args.replicas == 1 else "postgres")
    if args.replicas < 1 or (store == "sqlite" and args.replicas > 1):
        parser.error("several replicas share the conversations: they need --store postgres")
    model = args.model or model_path()
    pg_name = ""
    if store == "postgres":
        pg_name, raw = create_pg_database()
        prepared(raw)
        prefix = f"puenteload{uuid.uuid4().hex[:6]}"
        lock_store = args.lock_store + ("&" if "?" in args.lock_store else "?") + f"key_prefix={prefix}"
        env = {"DATABASE_URL": raw, "LOCK_STORE_URL": lock_store}
    else:
        folder = Path(tempfile.mkdtemp(prefix="puente-load-"))
        records = prepared(f"sqlite:///{folder / 'records.db'}")
        env = {
            "DATABASE_URL": records,
            "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}",
            "LOCK_STORE_URL": "",
        }
    action_port = free_port()
    stacks = [Stack(rasa_port=free_port(), action_port=action_port, model=model, env=env) for _ in range(args.replicas)]
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(len(stacks)) as pool:  # the replicas load the model at the same time
            others = [pool.submit(stack.start_rasa, model) for stack in stacks[1:]]
            stacks[0].start()  # the action server and the first replica
            for other in others:
                other.result()
        print(
            f"model {model.name}: {args.replicas} Rasa replica(s) and the action server ready in "
            f"{time.perf_counter() - started:.1f} s; conversations on {store}"
            + (", locks on Redis" if env.get("LOCK_STORE_URL") else "")
        )
        failures = asyncio.run(run_load([s.rasa_url for s in stacks], args.conversations, args.rounds, args.think))
        rasa = sum(tree_rss_mb(s.rasa_process.pid) for s in stacks if s.rasa_process)
        actions = stacks[0].processes[0]
        print(f"memory: Rasa servers {rasa:.0f} MB in all, action server {tree_rss_mb(actions.pid):.0f} MB")
    finally:
        for stack in stacks:
            stack.stop()
        if pg_name:
            drop_pg_database(pg_name)
    if failures:
        raise SystemExit(f"{failures} turn(s) failed: the figures above do not measure real turns")


if __name__ == "__main__":
    main()
