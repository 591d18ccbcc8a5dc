"""atheris (libFuzzer, coverage-guided) on the return file reader, seeded with the corpus.

An input's first byte picks the file's name (.csv or .xlsx), the rest is its content. Every
input must be read or refused with a message; anything else is a crash libFuzzer reports with
the input that caused it. libFuzzer ends the process when it is done, so the suite runs this
in a subprocess (``test_hostile_fuzz.py``); by hand:

    python -m tests.metrics.returns.hostile.fuzz_atheris -runs=100000 SEED_DIR

``write_seeds(DIR)`` writes the corpus in that form. Only our readers are instrumented.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-untyped]  # ships no types

with atheris.instrument_imports(include=["metrics.returns.file", "metrics.returns.xlsxsafe"]):
    from metrics.returns.file import FileRejected, read_return_file

NAMES = ("r.csv", "r.xlsx")


def read_one(data: bytes) -> None:
    if not data:
        return
    try:
        read_return_file(NAMES[data[0] % len(NAMES)], data[1:])
    except FileRejected as refused:
        if not refused.message.strip():
            raise AssertionError("a refusal without a message") from refused


def write_seeds(folder: Path, seeds: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, content in seeds:
        kind = 1 if file_name.endswith((".xlsx", ".xlsm")) else 0
        (folder / file_name).write_bytes(bytes([kind]) + content)


if __name__ == "__main__":
    atheris.Setup(sys.argv, read_one)
    atheris.Fuzz()
