from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.scope import Node, role_grant
from oversight.models import Organisation, Region, System


def node_for_code(code: str) -> Node | None:
    """`national`, or the region, system or organisation with that ODS code."""
    if code.lower() == "national":
        return None
    for model in (Region, System, Organisation):
        node = model.objects.filter(ods_code=code.upper()).first()
        if node is not None:
            return node
    raise CommandError(f"No region, ICS or organisation has the ODS code {code!r}")


class Command(BaseCommand):
    help = "Give EMAIL the ROLE over SCOPE_CODE (an ODS code, or `national`); creates the user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("scope_code")
        parser.add_argument("--password", help="set this password (otherwise unusable until reset)")

    # Atomic: a grant refused for its level must not leave a newly created user behind.
    @transaction.atomic
    def handle(
        self, *args: Any, email: str, role: str, scope_code: str, password: str | None, **_: Any
    ) -> None:
        node = node_for_code(scope_code)
        user, created = User.objects.get_or_create(email=email.lower())
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.set_password(password)
            user.save(update_fields=["password"])
        elif created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        try:
            assignment = role_grant(user=user, role=role, node=node)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "Created user and granted" if created else "Granted"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {assignment}"))
