"""Turn latency under concurrency, through Rasa's REST channel, with actions and database work.

    .venvs/app/bin/python -m benchmarks.load [--conversations 20] [--rounds 3]

--think S adds a person's pause (uniform 0..2S seconds) before each message; without it every
conversation sends its next message the moment it gets a reply (saturation).
Starts its own action server and Rasa server (the current model, a fresh SQLite records file),
then runs N conversations at once, each a realistic multi-turn flow: greeting, language, service
question, workshop list, enrolment form with consent, status, cancellation. Prints p50/p95/max
turn latency, turns per second and errors, plus the Rasa server's start time and memory.
Sends traffic to 127.0.0.1 only; bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from puente.stack import Stack, free_port, model_path
from tests.conftest import prepared

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
    client: httpx.AsyncClient, url: str, sender: str, latencies: list[float], errors: list[str], think: float = 0.0
) -> None:
    for message in FLOW:
        if think:
            await asyncio.sleep(random.uniform(0, 2 * think))  # a person reading and typing
        started = time.perf_counter()
        try:
            response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
            response.raise_for_status()
            if not response.json():
                errors.append(f"{sender}: no reply to {message!r}")
        except httpx.HTTPError as error:
            errors.append(f"{sender}: {error!r}")
        latencies.append(time.perf_counter() - started)


async def run_load(url: str, conversations: int, rounds: int, think: float) -> None:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=conversations)) as client:
        await conversation(client, url, "warmup", [], [])
        for round_ in range(rounds):
            latencies: list[float] = []
            errors: list[str] = []
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    conversation(client, url, f"load:{round_}:{n}", latencies, errors, think)
                    for n in range(conversations)
                )
            )
            elapsed = time.perf_counter() - started
            q = statistics.quantiles(latencies, n=100)
            print(
                f"round {round_ + 1}: {conversations} conversations x {len(FLOW)} turns, think {think:.0f} s: "
                f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
                f"{len(latencies) / elapsed:.1f} turns/s, errors {len(errors)}"
            )
            for error in errors[:5]:
                print("   ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a person takes between messages")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="puente-load-"))
    records = prepared(f"sqlite:///{folder / 'records.db'}")
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        model=model_path(),
        env={"DATABASE_URL": records, "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}"},
    )
    started = time.perf_counter()
    stack.start()
    print(f"model {stack.model.name if stack.model else ''}: servers ready in {time.perf_counter() - started:.1f} s")
    try:
        asyncio.run(run_load(stack.rasa_url, args.conversations, args.rounds, args.think))
        rasa, actions = stack.processes[1], stack.processes[0]
        print(f"memory: Rasa server {tree_rss_mb(rasa.pid):.0f} MB, action server {tree_rss_mb(actions.pid):.0f} MB")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
