"""Prints the corpus pass rate per language at the end of the run."""

from __future__ import annotations

from collections import defaultdict

import pytest

RESULTS: dict[str, list[bool]] = defaultdict(list)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    name = getattr(item, "callspec", None) and item.callspec.params.get("conversation")
    if name and report.when == "call":
        RESULTS[name.split("/")[0]].append(report.passed)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    parts = [f"{lang} {sum(r)}/{len(r)} ({100 * sum(r) / len(r):.0f}%)" for lang, r in sorted(RESULTS.items())]
    terminalreporter.write_line("conversation corpus passed: " + ", ".join(parts))
