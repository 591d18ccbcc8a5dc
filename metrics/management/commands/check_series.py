from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from metrics.models.catalogue import FrameworkEdition
from metrics.returns.series import accepted_series_refresh, series_differences


class Command(BaseCommand):
    help = (
        "Compare the values held per series with the accepted versions, name every difference "
        "(edition, body, metric, period end) and rebuild the series that differ; exits 1 when "
        "there was any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--edition", help="an edition's code (default: every edition)")

    def handle(self, *args: Any, edition: str | None = None, **options: Any) -> None:
        editions = FrameworkEdition.objects.order_by("code")
        if edition:
            editions = editions.filter(code=edition)
        differences = 0
        for found in editions:
            with transaction.atomic():
                wrong = series_differences(edition_id=found.pk)
                for difference in wrong:
                    self.stdout.write(str(difference))
                if wrong:
                    accepted_series_refresh(edition_id=found.pk)
            differences += len(wrong)
            self.stdout.write(f"{found.code}: {len(wrong)} difference(s)")
        if differences:
            self.stderr.write(f"{differences} difference(s) found; those series are rebuilt.")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("The held series match the accepted versions."))
