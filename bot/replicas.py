"""Which Rasa replica answers which person.

Rasa 3.6's open-source Redis lock store does not serialise one sender's messages across servers
(its ticket is read, incremented and written back without a transaction), so every conversation
is sent to one replica, chosen by rendezvous (highest random weight) hashing of the sender: each
replica gets a score from a hash of (replica, sender) and the highest score wins. Adding or
removing a replica moves only the senders whose winner changed; when a replica is down its
senders go to their second choice, and when it returns exactly those senders move back. The
hash is a fixed function (not Python's salted `hash`), so every gateway process agrees.

This module only keeps the state (who is up, what each replica served); `bot/rasa_client.py`
does the HTTP and the probing.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass


def score(replica: str, sender: str) -> int:
    digest = hashlib.blake2b(f"{replica}\n{sender}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass
class Replica:
    url: str
    down_since: float | None = None
    next_probe: float = 0.0

    @property
    def up(self) -> bool:
        return self.down_since is None


class Replicas:
    """The Rasa servers one gateway process sends to. Not thread-safe; one event loop uses it."""

    def __init__(
        self, urls: Iterable[str], probe_interval: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        unique = list(dict.fromkeys(url.strip().rstrip("/") for url in urls if url.strip()))
        if not unique:
            raise ValueError("at least one Rasa URL is needed")
        self.replicas = {url: Replica(url) for url in unique}
        self.probe_interval = probe_interval
        self.clock = clock
        self.served: Counter[str] = Counter()  # turns each replica answered, for tests and health pages
        self.moved = 0  # turns answered by a replica other than the sender's first choice

    @property
    def urls(self) -> list[str]:
        return list(self.replicas)

    def ranking(self, sender: str) -> list[str]:
        """Every replica, the sender's first choice first; independent of which are up."""
        return sorted(self.replicas, key=lambda url: score(url, sender), reverse=True)

    def home(self, sender: str) -> str:
        return self.ranking(sender)[0]

    def order(self, sender: str) -> list[str]:
        """Where to try this sender's message: the replicas that are up, in its ranking. When none
        is up, all of them: one may have come back before its probe noticed."""
        ranking = self.ranking(sender)
        return [url for url in ranking if self.replicas[url].up] or ranking

    def is_up(self, url: str) -> bool:
        return self.replicas[url].up

    def down(self) -> list[str]:
        return [url for url, replica in self.replicas.items() if not replica.up]

    def failed(self, url: str) -> None:
        """Marks a replica down; probes (`due_probes`) bring it back."""
        replica = self.replicas[url]
        if replica.up:
            replica.down_since = self.clock()
            replica.next_probe = replica.down_since + self.probe_interval

    def succeeded(self, url: str, sender: str | None = None) -> None:
        replica = self.replicas[url]
        replica.down_since = None
        if sender is not None:
            self.served[url] += 1
            if url != self.home(sender):
                self.moved += 1

    def due_probes(self) -> list[str]:
        """Down replicas whose next probe is due; each is then not due again for an interval."""
        now = self.clock()
        due = [r for r in self.replicas.values() if not r.up and r.next_probe <= now]
        for replica in due:
            replica.next_probe = now + self.probe_interval
        return [replica.url for replica in due]

    def status(self) -> list[dict[str, object]]:
        now = self.clock()
        return [
            {
                "url": url,
                "up": replica.up,
                "down_for": None if replica.up else round(now - (replica.down_since or now), 1),
                "served": self.served[url],
            }
            for url, replica in self.replicas.items()
        ]
