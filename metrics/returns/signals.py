"""What returns tell the parts that build on them, without importing them (DESIGN.md, "Apps").

``version_accepted`` is sent inside the transaction that accepts a version, so a receiver that
writes (the calculation's request for a run) commits or rolls back with the acceptance.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with return_record (Return) and version (ReturnVersion), by metrics.returns.review.
version_accepted = Signal()
