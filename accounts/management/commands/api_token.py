from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tokens import token_issue, token_revoke


class Command(BaseCommand):
    help = (
        "API tokens: `issue EMAIL` prints a new key (shown once), `list [EMAIL]` shows tokens, "
        "`revoke PREFIX` revokes one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="issue a token and print its key")
        issue.add_argument("email")
        issue.add_argument("--days", type=int, default=None, help="valid for (API_TOKEN_DAYS)")
        issue.add_argument("--name", default="", help="what the token is for")
        listing = actions.add_parser("list", help="tokens, with their state")
        listing.add_argument("email", nargs="?", default=None)
        revoke = actions.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "issue":
            user = _user(options["email"])
            if options["days"] is not None and options["days"] < 1:
                raise CommandError("--days must be 1 or more")
            _token, key = token_issue(
                user=user, issued_by=None, name=options["name"], days=options["days"]
            )
            self.stdout.write(key)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("user__email", "-created_at")
            if options["email"]:
                tokens = tokens.filter(user=_user(options["email"]))
            now = timezone.now()
            for token in tokens:
                used = (
                    f"last used {token.last_used_at:%Y-%m-%d %H:%M}"
                    if token.last_used_at
                    else "never used"
                )
                self.stdout.write(
                    f"{token.prefix}  {token.user.email}  {token.state(now)}  "
                    f"expires {token.expires_at:%Y-%m-%d}  {used}  {token.name}".rstrip()
                )
        else:
            found = ApiToken.objects.filter(prefix=options["prefix"].strip().rstrip("…")).first()
            if found is None:
                raise CommandError(f"No API token starts {options['prefix']}")
            token_revoke(token=found, revoked_by=None)
            self.stdout.write(f"Revoked {found.prefix}… of {found.user.email}")


def _user(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user has the email {email}; grant them a role first")
    return user
