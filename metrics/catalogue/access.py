"""Who keeps the catalogue and the quarters: the national team, checked in each operation."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import EDIT_CATALOGUE
from accounts.scope import AnyUser, is_national
from oversight.errors import NotPermitted


def can_edit_catalogue(user: AnyUser) -> bool:
    """The national team (national admins) keeps the catalogue and creates periods."""
    return is_national(user, EDIT_CATALOGUE)


def require_catalogue_editor(actor: User | None) -> None:
    """Refuse a catalogue change by anyone but the national team (None: the service itself, as
    a management command or the demo)."""
    if actor is not None and not can_edit_catalogue(actor):
        raise NotPermitted("Only the national team edits the catalogue and creates quarters.")
