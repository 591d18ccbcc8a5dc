from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.catalogue.loading import catalogue_export
from metrics.models.catalogue import FrameworkEdition


class Command(BaseCommand):
    help = "Write an edition's metric catalogue as CSV (the format load_catalogue reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edition", help='the edition\'s code, e.g. "sof-2021-22"')
        parser.add_argument("--output", type=Path, help="write to this file instead of stdout")

    def handle(self, *args: Any, edition: str, output: Path | None, **options: Any) -> None:
        edition_obj = FrameworkEdition.objects.filter(code=edition).first()
        if edition_obj is None:
            known = ", ".join(FrameworkEdition.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f'There is no edition "{edition}" (loaded editions: {known}).')
        text = catalogue_export(edition_obj)
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {edition_obj.metrics.count()} metrics to {output}")
