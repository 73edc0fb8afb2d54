"""`python -m tests.conversations RASA_URL [FILE ...]`: plays corpus conversations against a Rasa
server that is already running (`make run` starts one) and prints each failing transcript. With
`--records URL` (the action server's DATABASE_URL) each conversation starts from the seed, as in
the tests. While writing a conversation this answers in seconds, without starting servers."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from records import db
from tests.conversations import corpus
from tests.conversations.test_corpus import fresh_records
from tests.e2e.conftest import Chat


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rasa_url")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--records", help="the action server's DATABASE_URL, to start each from the seed")
    args = parser.parse_intermixed_args()
    servers = SimpleNamespace(rasa_url=args.rasa_url.rstrip("/"))
    records = db.engine_for(args.records) if args.records else None
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for path in args.files or corpus.paths():
        talk = corpus.load(path)
        lang = path.parent.name
        total[lang] += 1
        if records is not None:
            fresh_records(records)
        try:
            corpus.play(Chat(servers, f"try:{uuid.uuid4().hex[:8]}"), talk)  # type: ignore[arg-type]
        except AssertionError as error:
            print(f"FAIL {error}\n")
            continue
        passed[lang] += 1
        print(f"ok   {talk.name}" + (" (marked known_failure: remove the mark)" if talk.known_failure else ""))
    print(", ".join(f"{lang} {passed[lang]}/{n}" for lang, n in sorted(total.items())))
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
