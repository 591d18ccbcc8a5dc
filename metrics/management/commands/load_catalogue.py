from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.catalogue.loading import CatalogueError, catalogue_load, load_builtin_catalogues


class Command(BaseCommand):
    help = (
        "Load a metric catalogue CSV into a framework edition (--edition CODE FILE), or the "
        "shipped SOF 2021/22 and NOF 2025/26 catalogues (--builtin). All or nothing; "
        "re-loading the same file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="the catalogue CSV")
        parser.add_argument("--edition", help='the edition\'s code, e.g. "sof-2021-22"')
        parser.add_argument(
            "--builtin", action="store_true", help="load the catalogues shipped with Oversight"
        )

    def handle(
        self, *args: Any, file: Path | None, edition: str | None, builtin: bool, **options: Any
    ) -> None:
        if builtin == bool(edition or file):
            raise CommandError("Give either --edition CODE FILE or --builtin.")
        try:
            if builtin:
                reports = load_builtin_catalogues()
            else:
                if not edition or file is None:
                    raise CommandError("--edition needs both the edition code and the file.")
                try:
                    text = file.read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError) as error:
                    raise CommandError(f"Cannot read {file}: {error}") from None
                reports = [catalogue_load(edition_code=edition, csv_text=text, actor=None)]
        except CatalogueError as error:
            lines = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"Nothing was loaded. Problems found:\n{lines}") from None
        for report in reports:
            self.stdout.write(self.style.SUCCESS(report.summary()))
