"""What the registry tells the apps that build on it, without importing them (DESIGN.md, "Apps").

``peer_group_changed`` is sent inside the transaction that changed a body's peer group (a
trust's sector edited), with ``organisation`` and ``before`` (the old peer group), so a receiver
that writes — the calculation's request for new runs — commits or rolls back with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with organisation (Organisation) and before (str), by accounts.registry.
peer_group_changed = Signal()
