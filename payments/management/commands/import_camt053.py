"""``manage.py import_camt053 FILE``: import a camt.053 bank statement (the same service as the admin upload)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payments.exceptions import StatementError
from payments.services import import_camt053


class Command(BaseCommand):
    help = (
        "Import an ISO 20022 camt.053 bank statement and reconcile its credits with bank-transfer payments."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            result = import_camt053(data=data, filename=file.name)
        except StatementError as exc:
            raise CommandError(f"{file.name} refused, nothing imported: {exc.message}") from None
        statement = result.statement
        self.stdout.write(
            f"statement {statement.statement_id or statement.pk}: {statement.credits_total} credits, "
            f"{statement.credits_new} new, {statement.credits_duplicate} seen before, "
            f"{statement.matched} paid, {statement.to_review} to review"
        )
