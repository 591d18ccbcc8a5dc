"""Fuzzing the readers from the hostile corpus: hypothesis mutates each small hostile file (its
bytes, or one part inside a workbook) and every mutant must be read or refused cleanly, within
a time and a memory bound per example.

Bounds: ``max_examples`` per test and a ``deadline`` per example (hypothesis), and the peak of
Python allocations while reading one example (tracemalloc). Measured: see the report of issue 12.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics.returns.hostile.corpus import CORPUS, rezip
from tests.metrics.returns.hostile.fuzz_atheris import write_seeds
from tests.metrics.returns.test_returnfile_properties import read_or_reject, validate_cleanly

PEAK_MIB = 64  # per example; the largest seed is 64 KB and a return file at most 10 MiB
FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),  # an example takes ~10–100 ms; 5 s only on a stalled machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The small seeds (the large ones would spend the examples' time copying bytes).
LARGE = {"zip-bomb.xlsx", "huge-cell.csv", "wide-row.csv", "wide-header.csv", "many-parts.xlsx"}
SEEDS = [h for h in CORPUS if h.file_name not in LARGE and h.content]


def _rebuildable(content: bytes) -> bool:
    """A zip whose parts all read back, named, none over 1 MiB: one can be mutated and rezipped
    (zipfile writes no nameless part by name: nameless-part.xlsx is fuzzed as bytes only)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        return all(
            info.filename and info.file_size <= 1024 * 1024 and archive.read(info) is not None
            for info in archive.infolist()
        )
    except Exception:  # not a zip, or a hostile one (encrypted, lying sizes): bytes only
        return False


WORKBOOK_SEEDS = [h for h in SEEDS if _rebuildable(h.content)]


def read_within_bounds(name: str, content: bytes) -> None:
    tracemalloc.start()
    try:
        validate_cleanly(read_or_reject(name, content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_MIB * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"


MUTATION = st.tuples(st.integers(0, 2**20), st.integers(0, 255), st.sampled_from("fid"))


def mutated(content: bytes, mutations: list[tuple[int, int, str]], cut: int) -> bytes:
    """Bytes flipped (f), inserted (i) or deleted (d) at positions modulo the length; then cut."""
    data = bytearray(content)
    for position, byte, kind in mutations:
        if not data:
            break
        at = position % len(data)
        if kind == "f":
            data[at] = byte
        elif kind == "i":
            data.insert(at, byte)
        else:
            del data[at]
    return bytes(data[: max(1, len(data) - cut)])


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    mutations=st.lists(MUTATION, max_size=12),
    cut=st.integers(0, 64),
    name=st.sampled_from(["", "r.csv", "r.xlsx"]),
)
def test_mutated_hostile_files(seed, mutations, cut, name) -> None:
    read_within_bounds(name or seed.file_name, mutated(seed.content, mutations, cut))


@FUZZ
@given(
    seed=st.sampled_from(WORKBOOK_SEEDS),
    part=st.integers(0, 100),
    mutations=st.lists(MUTATION, max_size=12),
    cut=st.integers(0, 64),
)
def test_workbooks_with_a_mutated_part(seed, part, mutations, cut) -> None:
    """One part of the zip mutated and the zip rebuilt, so the XML parsers see the damage (a
    byte flipped in the compressed zip mostly fails its checksum before any XML is read)."""
    archive = zipfile.ZipFile(io.BytesIO(seed.content))
    members = archive.infolist()
    chosen = members[part % len(members)]
    replaced = mutated(archive.read(chosen), mutations, cut)
    read_within_bounds("r.xlsx", rezip(seed.content, replace={chosen.filename: replaced}))


def test_the_fuzzers_have_seeds() -> None:
    assert len(SEEDS) >= 30
    assert len(WORKBOOK_SEEDS) >= 12


# atheris: coverage-guided, in a subprocess (libFuzzer exits when done), bounded in runs, time
# and memory; a crash or a leak past the bound fails the run and prints the input.
ATHERIS_RUNS, ATHERIS_SECONDS, ATHERIS_RSS_MB = 4000, 25, 1024


def test_atheris_finds_no_crash_in_the_reader(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_seeds(seeds, [(h.file_name, h.content) for h in SEEDS])
    run = subprocess.run(  # noqa: S603 - our own interpreter and harness
        [
            *(sys.executable, "-m", "tests.metrics.returns.hostile.fuzz_atheris"),
            f"-runs={ATHERIS_RUNS}",
            f"-max_total_time={ATHERIS_SECONDS}",
            f"-rss_limit_mb={ATHERIS_RSS_MB}",
            "-timeout=10",
            "-max_len=65536",
            f"-artifact_prefix={tmp_path}/",
            str(seeds),
        ],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=ATHERIS_SECONDS + 60,
        check=False,
    )
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    done = re.search(r"Done (\d+) runs in (\d+) second", run.stderr)
    assert done, run.stderr[-2000:]
    assert int(done.group(1)) >= min(ATHERIS_RUNS, 500)
