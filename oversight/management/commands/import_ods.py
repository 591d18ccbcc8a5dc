from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oversight.registry import RegistryImportError, registry_import_folder


class Command(BaseCommand):
    help = (
        "Import the NHS ODS files in DIR (regions, ICSs, CCGs CSVs and the trust etr file; "
        "optionally a trust-sectors CSV). All or nothing; safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--include-practices",
            action="store_true",
            help="also import GP practices from the practice map (stress-scale benchmarks)",
        )

    def handle(self, *args: Any, folder: Path, include_practices: bool, **options: Any) -> None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        try:
            report = registry_import_folder(folder, include_practices=include_practices)
        except RegistryImportError as error:
            lines = "\n".join(f"  {p}" for p in error.problems)
            raise CommandError(f"Nothing was imported. Problems found:\n{lines}") from None
        for line in report.skipped:
            self.stdout.write(f"Skipped {line}")
        self.stdout.write(self.style.SUCCESS(f"Imported: {report.summary()}"))
