from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from metrics.catalogue.editions import edition_for
from metrics.catalogue.periods import PeriodLabelError, period_from_label
from metrics.returns.bulk import returns_bulk_upload
from metrics.returns.file import FileRejected
from metrics.returns.policy import ReturnActionRefused, ReturnRejected


class Command(BaseCommand):
    help = (
        "National bulk upload: store FILE (CSV or XLSX in the return layout, rows for many "
        "bodies) as one new version per body for the quarter, acting as --as EMAIL. "
        "All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, help='e.g. "2021-22 Q3"')
        parser.add_argument("--as", dest="email", required=True, help="the uploader's email")
        parser.add_argument(
            "--cancel-sign-offs",
            action="store_true",
            help="store new versions over signed-off returns, cancelling their sign-off",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        period: str,
        email: str,
        cancel_sign_offs: bool = False,
        **_: Any,
    ) -> None:
        user = User.objects.filter(email=email.lower()).first()
        if user is None:
            raise CommandError(f"No user has the email {email}")
        try:
            quarter = period_from_label(period)
            report = returns_bulk_upload(
                period=quarter,
                edition=edition_for(quarter),
                file_name=file.name,
                content=file.read_bytes(),
                user=user,
                cancel_sign_offs=cancel_sign_offs,
            )
        except (PeriodLabelError, ReturnActionRefused) as error:
            raise CommandError(str(error)) from None
        except FileRejected as rejected:
            raise CommandError(f"Nothing was stored: {rejected.message}") from None
        except ReturnRejected as rejected:
            lines = "\n".join(
                f"  row {f.row}, column {f.column}: {f.message}"
                for f in rejected.findings
                if f.severity == "blocking"
            )
            raise CommandError(
                f"Nothing was stored. Fix these and upload again:\n{lines}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored {report.values:,} values: a new version for {report.bodies} bodies; "
                f"{report.identical} identical to a version already stored; "
                f"{report.warning_count} warnings to justify."
            )
        )
