"""What the calculation tells the apps that build on it, without importing them (DESIGN.md,
"Apps"): segmentation recomputes its proposals when a run is published.

``run_published`` is sent once the transaction that made a run its quarter's current run has
committed (``transaction.on_commit``), with ``run_id``; receivers see the published results.
It is sent robustly: a receiver's error is logged (django.dispatch) and never fails the run,
which is published already.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with run_id (int), by metrics.calculation.steps._publish, after the commit.
run_published = Signal()
