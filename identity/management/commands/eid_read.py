"""Print the identity of the holder of the eID card in the reader (kiosk and support use)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.eid.exceptions import EidError
from identity.eid.pkcs11 import read_card_identity


class Command(BaseCommand):
    help = (
        "Read the eID card in the reader and print its holder's names and national register "
        "number. Needs no PIN; the certificate is not checked against the trust anchors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--module", help="PKCS#11 module (default: EID_PKCS11_MODULE)")
        parser.add_argument("--card", help="token serial, when several cards are inserted")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            holder = read_card_identity(card_serial=options["card"], module_path=options["module"])
        except EidError as error:
            raise CommandError(str(error.message)) from None
        number = holder.national_number
        self.stdout.write(f"Given names: {holder.given_names}")
        self.stdout.write(f"Surname: {holder.surname}")
        self.stdout.write(f"National register number: {number.formatted}")
        if number.birth_date:
            self.stdout.write(f"Birth date: {number.birth_date.isoformat()}")
        self.stdout.write(f"Card generation: {holder.key_type.value.upper()} key")
        self.stdout.write(f"Certificate fingerprint (SHA-256): {holder.fingerprint_sha256}")
