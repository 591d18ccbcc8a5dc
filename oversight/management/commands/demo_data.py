"""`manage.py demo_data [--ods DIR]`: fill the database with the demo, then print the logins.

The steps live in the apps that own the data and are named, in order, by the setting
`DEMO_STEPS` (the settings are the composition root, so this command in `oversight` never
imports an app to its right). Each is `step(*, ods_folder, stdout)`, and each is safe to re-run:
running the command twice changes nothing the second time. `DEMO_REPORTS` print after every
step has run (`report(*, stdout)`), so the logins come last whatever steps are added.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Load the demo: the registry (real ODS files from --ods DIR, else a synthetic one of the "
        "same shape), one user per role, and whatever later steps DEMO_STEPS names. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ods",
            type=Path,
            metavar="DIR",
            help="a folder of NHS ODS files (as for import_ods) to use real names and codes",
        )

    def handle(self, *args: Any, ods: Path | None, **options: Any) -> None:
        if ods is not None and not ods.is_dir():
            raise CommandError(f"--ods {ods}: no such folder")
        # Django's OutputWrapper is a text stream, though not typed as typing.TextIO.
        stdout = cast(TextIO, self.stdout)
        started = time.monotonic()
        for dotted in settings.DEMO_STEPS:
            step = import_string(dotted)
            self.stdout.write(self.style.MIGRATE_HEADING(f"Demo step {dotted}"))
            began = time.monotonic()
            step(ods_folder=ods, stdout=stdout)
            self.stdout.write(f"  ({time.monotonic() - began:.1f} s)")
        for dotted in settings.DEMO_REPORTS:
            import_string(dotted)(stdout=stdout)
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo data ready in {time.monotonic() - started:.1f} s.")
        )
