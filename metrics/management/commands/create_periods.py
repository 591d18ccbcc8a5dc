from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.catalogue.periods import PeriodLabelError, parse_label, periods_create, year_label


class Command(BaseCommand):
    help = (
        "Create the four quarters of each financial year given (e.g. 2021-22 2022-23) with "
        "the default windows; quarters that exist are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="+", help="financial years, e.g. 2021-22")

    def handle(self, *args: Any, years: list[str], **options: Any) -> None:
        parsed = []
        for label in years:
            try:
                year, quarter = parse_label(label)
            except PeriodLabelError as error:
                raise CommandError(str(error)) from None
            if quarter is not None:
                raise CommandError(f'"{label}" is a quarter; give whole financial years.')
            parsed.append(year)
        for year in parsed:
            for period in periods_create(year=year):
                self.stdout.write(
                    f"{period.label}: {period.start:%d %b %Y} to {period.end:%d %b %Y}; "
                    f"opens {period.opens_on:%d %b %Y}, due {period.due_on:%d %b %Y}, "
                    f"closes {period.closes_on:%d %b %Y}"
                )
            self.stdout.write(self.style.SUCCESS(f"{year_label(year)}: four quarters ready."))
