"""Import the enterprise register's extract of legal representatives (CSV)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from companies.services import legal_representatives_import_csv
from companies.services.representatives import COLUMNS


class Command(BaseCommand):
    help = (
        "Bring companies and their legal representatives in line with a CSV extract of the "
        f"enterprise register. Columns: {', '.join(COLUMNS)}. Nothing changes if a row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        report = legal_representatives_import_csv(content=content)
        if report.errors:
            raise CommandError("Nothing imported:\n" + "\n".join(report.errors))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.companies} companies: {report.added} representations added, "
                f"{report.ended} ended, {report.unchanged} unchanged."
            )
        )
