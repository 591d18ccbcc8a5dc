"""Domain errors: what an operation refuses, and why, in words the user understands.

Operations (not views) check permissions and states and raise these; the API's one exception
handler (``oversight.api_errors``) turns each into its status with ``{"detail": …}``:

- ``NotFound`` — 404: does not exist *or* lies outside the user's scope (the same answer, so
  nobody learns what exists beyond their scope);
- ``NotPermitted`` — 403: the user may see the object but their role may not do this;
- ``ActionRefused`` — 409: the object's state or window refuses it now, with the reason;
- ``InputRejected`` — 400: what was sent is wrong, field by field (``problems``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A refusal with a message for the user; ``status`` is the HTTP answer it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFound(DomainError):
    status = 404


class NotPermitted(DomainError):
    status = 403


class ActionRefused(DomainError):
    status = 409


class InputRejected(DomainError):
    """Bad input: ``problems`` maps each field (or "non_field_errors") to what is wrong."""

    status = 400

    def __init__(self, message: str, problems: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.problems = {field: list(texts) for field, texts in (problems or {}).items()}
