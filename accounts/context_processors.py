from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.scope import scope_label


def scope(request: HttpRequest) -> dict[str, object]:
    """`scope_label` for the header, computed only if a template shows it."""
    return {"scope_label": SimpleLazyObject(lambda: scope_label(request.user))}
