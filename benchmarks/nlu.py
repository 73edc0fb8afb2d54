"""NLU figures per language: our pipeline beside Rasa's default one, trained on the same data.

    .venvs/app/bin/python -m benchmarks.nlu [--errors N]

Trains both NLU models (timed), serves each on loopback, scores the held-out split
(tests/nlu/<lang>.yml): intent accuracy, macro-F1, how often the fallback asks instead of
acting, and language identification. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import httpx

from benchmarks.nlu_scoring import Score, languages, score
from puente import keys
from puente.stack import ROOT, VENVS, Stack, free_port, rasa_env

CONFIGS = {"puente (config.yml)": ROOT / "config.yml", "rasa default": ROOT / "benchmarks" / "rasa_default_config.yml"}
OUT = ROOT / "var" / "bench"


def train_nlu(name: str, config: Path) -> tuple[Path, float]:
    started = time.monotonic()
    subprocess.run(
        [
            str(VENVS / "rasa" / "bin" / "rasa"),
            "train",
            "nlu",
            "--nlu",
            "nlu",
            "--config",
            str(config),
            "--domain",
            "domain",
            "--out",
            str(OUT),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        env=rasa_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return OUT / f"{name}.tar.gz", time.monotonic() - started


def evaluate(model: Path) -> dict[str, Score]:
    stack = Stack(rasa_port=free_port(), action_port=free_port())
    stack.start_rasa(model)
    try:
        client = httpx.Client(timeout=30)

        def parse(text: str) -> dict:
            token = {"token": keys.rasa_token()}
            return client.post(f"{stack.rasa_url}/model/parse", params=token, json={"text": text}).json()

        return {lang: score(lang, parse) for lang in languages()}
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", type=int, default=0, help="show N misclassified messages per language")
    args = parser.parse_args()
    rows = []
    for label, config in CONFIGS.items():
        model, seconds = train_nlu(label.split()[0], config)
        results = evaluate(model)
        rows.append((label, seconds, results))
    print(f"\nheld-out split: {', '.join(f'{lang} {r.total}' for lang, r in rows[0][2].items())} messages")
    print(
        f"{'pipeline':<22}{'train s':>8}  "
        + "  ".join(f"{lang + ' acc':>7} {lang + ' F1':>6} {'fb':>5}" for lang in languages())
    )
    for label, seconds, results in rows:
        cells = "  ".join(f"{r.accuracy:7.3f} {r.macro_f1:6.3f} {r.fallback_rate:5.2f}" for r in results.values())
        print(f"{label:<22}{seconds:8.0f}  {cells}")
    print(
        "language identification of these lines (`make bench-langid` has the language-ID set): "
        + ", ".join(f"{lang} {r.langid_accuracy:.3f}" for lang, r in rows[0][2].items())
    )
    ours = rows[0][2]
    entries = sorted({key for r in ours.values() for key in r.per_faq_entry()})
    if entries:
        print(f"\nFAQ retrieval per entry (right/asked, held-out), {len(entries)} entries:")
        for key in entries:
            cells = "  ".join(
                f"{lang} {r.per_faq_entry().get(key, (0, 0))[0]}/{r.per_faq_entry().get(key, (0, 0))[1]}"
                for lang, r in ours.items()
            )
            print(f"  {key:<32} {cells}")
        for lang, r in ours.items():
            right = sum(a for a, _ in r.per_faq_entry().values())
            asked = sum(b for _, b in r.per_faq_entry().values())
            print(f"  {lang}: {right}/{asked} FAQ questions to their entry")
    if args.errors:
        for lang, result in rows[0][2].items():
            print(f"\n{lang} errors of ours:")
            for text, expected, got in result.errors[: args.errors]:
                print(f"  {expected:>24} -> {got:<24} {text}")


if __name__ == "__main__":
    main()
