"""Calculation engine benchmarks: every figure of issue 4 item 5 for one scale, side by side.

    .venv/bin/python -m bench.recalculation --scale england|stress [--acceptances 20]

1. Loads the scale's dataset if it is not there yet (bench.dataset) — the bulk load figure.
2. Full recalculation of the latest quarter: (a) the engine, metrics.calculation.run_calculation
   on a fresh full run, synchronously here; (b) the pandas reference (bench.pandas_reference)
   reading the same rows; (c) the floor, one SQL statement computing only the thresholds.
   Then CHECKS that the engine's outputs equal the reference's (bench.check), printing every
   difference; the floor's thresholds are checked too.
3. Latency from accepting a trust's return to its results and flags being readable, with a
   real Celery worker (bench.latency): p50 and p95 over --acceptances acceptances.

Exits 1 when the outputs differ. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import logging
import os
import pstats
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from bench.common import database_url, setup_django

TARGETS = {"england": 2.0, "stress": 30.0}  # full recalculation, seconds (issue 11)
FLOOR_RATIO_TARGET = 5.0  # the engine at most 5x the SQL floor
PANDAS_RATIO_TARGET = 3.0  # and at least 3x faster than the pandas reference
LATENCY_TARGETS = {"england": 1.0, "stress": 2.0}  # acceptance → readable, p95, seconds
LOAD_RATE_TARGET = 100_000  # bulk load, values per second


@dataclass
class Figure:
    measure: str
    seconds: float | None
    load: float  # 1-minute load average at the end of the measurement
    rate: str = ""
    target: str = ""
    note: str = ""


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    problems: int = 0
    engine: str = ""  # engine_fingerprint() when the engine was imported

    def add(self, measure: str, seconds: float | None, **extra: Any) -> Figure:
        figure = Figure(measure, seconds, os.getloadavg()[0], **extra)
        self.figures.append(figure)
        return figure


def _target(seconds: float, limit: float) -> str:
    return f"< {limit:g} s: {'met' if seconds < limit else 'MISSED'}"


def load_figure(report: Report, dataset: Any) -> None:
    from bench.dataset import saved_load

    found = saved_load(dataset.scale)
    if found is None:
        return
    measured = "now" if dataset.load is not None else f"at load time, {found['at']}"
    rate = found["values"] / found["seconds"]
    met = "met" if rate >= LOAD_RATE_TARGET else "MISSED"
    report.figures.append(
        Figure(
            "bulk load of the dataset (generate, COPY, indexes, VACUUM ANALYZE)",
            found["seconds"],
            found["loadavg"],
            rate=f"{rate:,.0f} values/s",
            target=f">= {LOAD_RATE_TARGET:,} values/s: {met}",
            note=f"{found['values']:,} values, measured {measured}",
        )
    )
    print(f"  {found['text']}")


def recalculation(report: Report, dataset: Any, *, profile: bool, workers: int = 1) -> None:
    from django.conf import settings

    from bench.check import check
    from bench.engine import floor_thresholds, full_run
    from bench.latency import celery_worker
    from bench.pandas_reference import reference_run
    from metrics.calculation.parts import parts_done_by

    scale, period = dataset.scale.name, dataset.latest
    print(f"Full recalculation of {period.label}:")
    profiler = cProfile.Profile() if profile else None
    with ExitStack() as helpers:
        # This process does the run; each other worker takes parts of its SPC and flags.
        for _ in range(workers - 1):
            helpers.enter_context(celery_worker(database_url(scale), settings.CALCULATION_QUEUE))
        if profiler:
            profiler.enable()
        run, seconds = full_run(period, dataset.edition, reason="Benchmark: full recalculation")
        if profiler:
            profiler.disable()
    target = _target(seconds, TARGETS[scale])
    done_by = parts_done_by(run.pk)
    here = done_by.get(_worker_name(), 0)
    others = sum(done_by.values()) - here
    shared = f"{workers} worker(s): parts (SPC, flags) {here} here, {others} by others"
    report.add(
        f"full recalculation of {period.label}: engine (run {run.pk})",
        seconds,
        target=target,
        note=f"{shared}; {_steps(run)}",
    )
    print(f"  engine: {seconds:.3f} s")
    reference = reference_run(
        edition_id=dataset.edition.pk, period=period, parameters=run.parameters
    )
    pandas_seconds = sum(reference.timings.values())
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in reference.timings.items())
    report.add("full recalculation: pandas reference", pandas_seconds, note=parts)
    print(f"  pandas: {pandas_seconds:.3f} s ({parts})")
    report.figures[
        -2
    ].target += f"; {'faster' if seconds < pandas_seconds else 'SLOWER'} than pandas"
    rows, floor_seconds = floor_thresholds(period, dataset.edition)
    report.add(
        "full recalculation: SQL floor (quartile thresholds only)",
        floor_seconds,
        note=f"{len(rows)} thresholds",
    )
    print(f"  floor: {floor_seconds:.3f} s")
    ratios(report, engine=seconds, pandas=pandas_seconds, floor=floor_seconds)
    print("Checking the engine's outputs against the pandas reference:")
    report.problems += check(run.pk, reference, run.parameters["flags"])
    report.problems += _check_floor(rows, reference)
    if profiler:
        print("Engine profile (cProfile), by cumulative and by own time:")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)


def ratios(report: Report, *, engine: float, pandas: float, floor: float) -> None:
    """The engine against the floor (at most 5x) and against pandas (at least 3x faster)."""
    to_floor, speedup = engine / floor, pandas / engine
    floor_met = "met" if to_floor <= FLOOR_RATIO_TARGET else "MISSED"
    pandas_met = "met" if speedup >= PANDAS_RATIO_TARGET else "MISSED"
    report.add(
        "full recalculation: engine / SQL floor",
        None,
        rate=f"{to_floor:.1f}x",
        target=f"<= {FLOOR_RATIO_TARGET:g}x: {floor_met}",
    )
    report.add(
        "full recalculation: pandas / engine (how much faster)",
        None,
        rate=f"{speedup:.2f}x",
        target=f">= {PANDAS_RATIO_TARGET:g}x: {pandas_met}",
    )
    print(f"  engine / floor {to_floor:.1f}x, pandas / engine {speedup:.2f}x")


def _worker_name() -> str:
    from metrics.calculation.parts import worker_name

    return worker_name()


def _steps(run: Any) -> str:
    """The run's own account of its main steps (CalculationRun.timings), when it keeps one."""
    timings = getattr(run, "timings", None) or {}
    steps = {k: v for k, v in timings.items() if ":" not in k and k != "total"}
    return ", ".join(f"{k} {v:.2f} s" for k, v in steps.items())


def _check_floor(rows: list[tuple[Any, ...]], reference: Any) -> int:
    ours = {
        (r["metric_id"], r["peer_group"]): (r["n"], r["p25"], r["p50"], r["p75"])
        for r in reference.thresholds.to_dict("records")
    }
    floor = {(m, g): (n, a, b, c) for m, g, n, a, b, c in rows}
    differ = sum(1 for key in ours.keys() | floor.keys() if ours.get(key) != floor.get(key))
    print(f"  floor thresholds: {len(floor)} compared with pandas, {differ} differences")
    return differ


def latency_figures(report: Report, dataset: Any, *, count: int, timeout: float) -> None:
    from bench.latency import latency, percentile

    print(
        "Acceptance to results and flags readable (a calculation worker, a follow-ups worker), "
        f"{count} acceptances:"
    )
    url = database_url(dataset.scale.name)
    warm, measured, stopped = latency(dataset, url, count=count, timeout=timeout)
    if not measured:
        report.add(
            "acceptance → readable",
            None,
            target=f"< {LATENCY_TARGETS[dataset.scale.name]:g} s: MISSED",
            note=stopped or "no acceptance measured",
        )
        return
    seconds = [a.seconds for a in measured]
    runs = [a.run_seconds for a in measured]
    n = len(measured)
    warm_note = f"warm-up {warm.seconds:.2f} s; " if warm else ""
    stop_note = f"; stopped early: {stopped}" if stopped else ""
    p95 = percentile(seconds, 95)
    report.add(
        f"acceptance → readable, p50 of {n}",
        percentile(seconds, 50),
        note=f"{warm_note}run alone p50 {percentile(runs, 50):.2f} s",
    )
    report.add(
        f"acceptance → readable, p95 of {n}",
        p95,
        target=_target(p95, LATENCY_TARGETS[dataset.scale.name]),
        note=f"max {max(seconds):.2f} s; run alone p95 {percentile(runs, 95):.2f} s{stop_note}",
    )


def engine_fingerprint() -> str:
    """Which engine the figures are of: METHOD_VERSION and a hash of its modules' source."""
    from bench.common import REPO
    from metrics.calculation.steps import METHOD_VERSION

    parts = ("engine", "calculation")  # the rules and the runs: what the figures measure
    files = sorted(f for part in parts for f in (REPO / "metrics" / part).rglob("*.py"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    return f"engine METHOD_VERSION {METHOD_VERSION}, source sha256 {digest}"


def print_table(report: Report, dataset: Any) -> None:
    scale = dataset.scale
    print()
    print(f"{report.engine}, measured {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"Scale {scale.name}: {len(dataset.bodies):,} bodies, "
        f"{dataset.edition.metrics.count()} metrics, {len(dataset.periods)} quarters, "
        f"{dataset.values:,} accepted values; {os.cpu_count()} cores (nproc), "
        f"load = 1-minute load average after each measurement"
    )
    width = max(len(f.measure) for f in report.figures)
    print(f"{'measure':<{width}}  {'seconds':>9}  {'load':>5}  {'rate':>16}  target / note")
    for f in report.figures:
        seconds = f"{f.seconds:9.3f}" if f.seconds is not None else f"{'-':>9}"
        notes = "; ".join(x for x in (f.target, f.note) if x)
        print(f"{f.measure:<{width}}  {seconds}  {f.load:5.1f}  {f.rate:>16}  {notes}")
    verdict = "IDENTICAL" if report.problems == 0 else f"{report.problems} DIFFERENCES (above)"
    print(f"Engine outputs vs pandas reference: {verdict}")


def main() -> None:
    from bench.dataset import SCALES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="england")
    parser.add_argument("--acceptances", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1800, help="per acceptance, seconds")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-recalculation", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine's full run")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the full run: this one and N-1 Celery workers taking SPC parts",
    )
    args = parser.parse_args()

    from bench.latency import use_real_broker

    use_real_broker()
    setup_django(scale=args.scale)
    # The engine logs each step's time; they are in the table (CalculationRun.timings).
    logging.getLogger("metrics.calculation.steps").setLevel(logging.WARNING)
    from bench.dataset import dataset_ensure
    from bench.engine import analyze_results, history_ensure

    report = Report(engine=engine_fingerprint())
    print(report.engine)
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()}")
    dataset = dataset_ensure(SCALES[args.scale])
    load_figure(report, dataset)
    history_ensure(dataset)
    if not args.skip_recalculation:
        analyze_results()
        recalculation(report, dataset, profile=args.profile, workers=args.workers)
    if not args.skip_latency:
        analyze_results()
        latency_figures(report, dataset, count=args.acceptances, timeout=args.timeout)
    print_table(report, dataset)
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
