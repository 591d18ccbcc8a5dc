"""Print the role policy (accounts.roles) as the README's "Who may do what" table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.roles import policy_markdown


class Command(BaseCommand):
    help = "Print who may do what: every operation x role, as accounts/roles.py decides it."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(policy_markdown(), ending="")
