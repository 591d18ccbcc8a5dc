"""What segmentation tells the apps that build on it (rsp), without importing them.

Each is sent robustly once the transaction of its operation has committed, so a receiver sees
the committed rows and can never undo the operation by failing (its error is logged):

- ``decision_confirmed`` — a regional decision was confirmed (four eyes). Sent with
  ``decision_id``, ``organisation_id``, ``period_id``, ``segment`` and ``previous_segment`` (the
  body's published segment before this quarter, or None). A confirmed segment 3 opens mandated
  support, 4 the Recovery Support Programme, 5 (NOF 2025/26) the Provider Improvement
  Programme: rsp opens its cases on this.
- ``decision_sent_back`` — a decision awaiting confirmation, or confirmed but not yet published,
  was sent back; ``decision_id`` and ``was_confirmed`` (rsp: a case opened on the confirmation
  may need withdrawing).
- ``segmentation_published`` — a region's confirmed decisions for a quarter were published;
  ``publication_id`` and ``decision_ids``.
"""

from __future__ import annotations

from django.dispatch import Signal

decision_confirmed = Signal()
decision_sent_back = Signal()
segmentation_published = Signal()
