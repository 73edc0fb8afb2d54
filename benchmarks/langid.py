"""Language identification on tests/langid/*.yml: `make bench-langid`.

Prints, per language, the accuracy on first messages (target ≥ 0.98), on messages inside a
conversation, and the number of wrong switches mid-conversation (target 0), then the misses.
"""

from __future__ import annotations

import argparse

from benchmarks.langid_scoring import score, sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()
    print(f"{'lang':<5}{'first':>8}{'n':>6}{'mid':>8}{'n':>6}{'wrong switches':>16}")
    results = [score(path) for path in sets()]
    for r in results:
        print(
            f"{r.language:<5}{r.first_accuracy:>8.3f}{r.first_total:>6}"
            f"{r.mid_accuracy:>8.3f}{r.mid_total:>6}{r.wrong_switches:>16}"
        )
    if args.errors:
        for r in results:
            for line in r.errors:
                print(f"{r.language}  {line}")


if __name__ == "__main__":
    main()
