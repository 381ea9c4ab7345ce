"""Load demonstration data. Idempotent: running it twice changes nothing the second time."""

import datetime as dt
from base64 import b32decode
from binascii import hexlify
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from django_otp.plugins.otp_totp.models import TOTPDevice

from companies.models import (
    AccessManager,
    AccessManagerKind,
    Company,
    Domain,
    Grant,
    LegalRepresentative,
    Role,
    Service,
)
from governance.models import Organisation, OrganisationKind
from identity.models import User
from identity.services import person_get_or_create

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (public demo log-in, listed in the README)
# A fixed authenticator secret for the demo accounts only (README shows it): base32 of 20 bytes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only)
# The example relying party's client (examples/oidc_rp), for the DmfA service; public demo only.
DEMO_RP_CLIENT_ID = "demo-rp"
DEMO_RP_CLIENT_SECRET = "demo-rp-secret-2026"  # noqa: S105 (public demo client, in the README)
DEMO_RP_URL = "http://127.0.0.1:8001"

SPONSORS = [
    (
        "nsso",
        OrganisationKind.SOCIAL_SECURITY,
        "National Social Security Office",
        "Office national de sécurité sociale",
        "Rijksdienst voor Sociale Zekerheid",
        "Landesamt für soziale Sicherheit",
    ),
    (
        "bosa",
        OrganisationKind.FEDERAL,
        "FPS Policy and Support (BOSA DG Digital Transformation)",
        "SPF Stratégie et Appui (BOSA DG Transformation digitale)",
        "FOD Beleid en Ondersteuning (BOSA DG Digitale Transformatie)",
        "FÖD Politik und Unterstützung (BOSA GD Digitale Transformation)",
    ),
    (
        "finance",
        OrganisationKind.FEDERAL,
        "FPS Finance",
        "SPF Finances",
        "FOD Financiën",
        "FÖD Finanzen",
    ),
    (
        "cbss",
        OrganisationKind.SOCIAL_SECURITY,
        "Crossroads Bank for Social Security",
        "Banque Carrefour de la sécurité sociale",
        "Kruispuntbank van de Sociale Zekerheid",
        "Zentrale Datenbank der sozialen Sicherheit",
    ),
    (
        "economy",
        OrganisationKind.FEDERAL,
        "FPS Economy, SMEs, Self-employed and Energy",
        "SPF Économie, P.M.E., Classes moyennes et Énergie",
        "FOD Economie, K.M.O., Middenstand en Energie",
        "FÖD Wirtschaft, KMB, Mittelstand und Energie",
    ),
    (
        "home-affairs",
        OrganisationKind.FEDERAL,
        "FPS Home Affairs",
        "SPF Intérieur",
        "FOD Binnenlandse Zaken",
        "FÖD Inneres",
    ),
]

DOMAINS = [
    (
        "social-security",
        "Social security",
        "Sécurité sociale",
        "Sociale zekerheid",
        "Soziale Sicherheit",
    ),
    ("finance", "Finance", "Finances", "Financiën", "Finanzen"),
    ("economy", "Economy", "Économie", "Economie", "Wirtschaft"),
]

# (code, domain, owner, names en/fr/nl/de, roles: (code, en, fr, nl, de, level, for clients))
SERVICES = [
    (
        "dmfa",
        "social-security",
        "nsso",
        (
            "Quarterly social security declaration (DmfA)",
            "Déclaration trimestrielle DmfA",
            "Driemaandelijkse aangifte DmfA",
            "Vierteljährliche Erklärung DmfA",
        ),
        [
            ("declarant", "Declarant", "Déclarant", "Aangever", "Anmelder", "substantial", True),
            ("reader", "Reader", "Lecteur", "Lezer", "Leser", "substantial", False),
        ],
    ),
    (
        "vat",
        "finance",
        "finance",
        ("VAT returns", "Déclarations TVA", "Btw-aangiften", "MwSt.-Erklärungen"),
        [
            (
                "vat-declarant",
                "VAT declarant",
                "Déclarant TVA",
                "Btw-aangever",
                "MwSt.-Anmelder",
                "substantial",
                True,
            )
        ],
    ),
    (
        "taxonweb",
        "finance",
        "finance",
        ("Tax-on-web", "Tax-on-web", "Tax-on-web", "Tax-on-web"),
        [("filer", "Filer", "Déclarant", "Indiener", "Einreicher", "substantial", True)],
    ),
    (
        "enterprise-register",
        "economy",
        "economy",
        (
            "Enterprise register filings",
            "Dépôts à la BCE",
            "KBO-neerleggingen",
            "ZUD-Hinterlegungen",
        ),
        [("filer", "Filer", "Déposant", "Indiener", "Einreicher", "high", False)],
    ),
]

# (username, national number, given names, surname, municipality, language, email, with OTP)
CITIZENS = [
    ("alice", "85071412429", "Alice Marie", "Peeters", "Leuven", "nl", "alice@example.org", True),
    ("bruno", "39012940734", "Bruno", "Dubois", "Namur", "fr", "bruno@example.org", True),
    ("clara", "03022824687", "Clara", "Schmitz", "Eupen", "de", "clara@example.org", False),
    ("david", "00010100105", "David", "Janssens", "Antwerpen", "nl", "david@example.org", True),
]

# (enterprise number, name, legal form)
COMPANIES = [
    ("0403019261", "Brasserie Demo", "SRL / BV"),
    ("0200065765", "Fiduciaire Exemple", "SA / NV"),
]


class Command(BaseCommand):
    help = "Load demonstration citizens, companies, member organisations and services."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        organisations = {}
        for code, kind, en, fr, nl, de in SPONSORS:
            organisations[code], _ = Organisation.objects.update_or_create(
                code=code,
                defaults={
                    "kind": kind,
                    "name_en": en,
                    "name_fr": fr,
                    "name_nl": nl,
                    "name_de": de,
                    "is_sponsor": True,
                    "is_member": True,
                    "member_since": dt.date(2013, 1, 1),
                },
            )
        domains = {}
        for code, en, fr, nl, de in DOMAINS:
            domains[code], _ = Domain.objects.update_or_create(
                code=code, defaults={"name_en": en, "name_fr": fr, "name_nl": nl, "name_de": de}
            )
        roles = {}
        for code, domain, owner, names, service_roles in SERVICES:
            service, _ = Service.objects.update_or_create(
                code=code,
                defaults={
                    "domain": domains[domain],
                    "owner": organisations[owner],
                    "name_en": names[0],
                    "name_fr": names[1],
                    "name_nl": names[2],
                    "name_de": names[3],
                },
            )
            for role_code, en, fr, nl, de, level, for_clients in service_roles:
                roles[(code, role_code)], _ = Role.objects.update_or_create(
                    service=service,
                    code=role_code,
                    defaults={
                        "name_en": en,
                        "name_fr": fr,
                        "name_nl": nl,
                        "name_de": de,
                        "min_assurance": level,
                        "for_clients_allowed": for_clients,
                    },
                )
        persons = {}
        for username, number, given, surname, town, lang, email, with_otp in CITIZENS:
            person, _ = person_get_or_create(
                national_number=number,
                given_names=given,
                surname=surname,
                residence_municipality=town,
            )
            if person.preferred_language != lang:
                person.preferred_language = lang
                person.save(update_fields=["preferred_language"])
            persons[username] = person
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    email=email,
                    person=person,
                    first_name=given.split()[0],
                    last_name=surname,
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
            if with_otp and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(
                    user=user,
                    name="demo app",
                    confirmed=True,
                    key=hexlify(b32decode(DEMO_TOTP_SECRET)).decode(),
                )
        companies = {}
        for number, name, form in COMPANIES:
            companies[number], _ = Company.objects.update_or_create(
                enterprise_number=number, defaults={"name": name, "legal_form": form}
            )
        brasserie, fiduciaire = companies["0403019261"], companies["0200065765"]
        start = dt.date(2024, 1, 1)
        LegalRepresentative.objects.get_or_create(
            company=brasserie,
            person=persons["bruno"],
            function="Manager",
            defaults={"valid_from": start},
        )
        AccessManager.objects.get_or_create(
            company=brasserie,
            person=persons["alice"],
            kind=AccessManagerKind.MAIN,
            defaults={"valid_from": start, "designated_by": persons["bruno"]},
        )
        Grant.objects.get_or_create(
            company=brasserie,
            person=persons["alice"],
            role=roles[("dmfa", "declarant")],
            for_clients=False,
            ended_at=None,
            defaults={"valid_from": start, "granted_by": persons["alice"]},
        )
        Grant.objects.get_or_create(
            company=fiduciaire,
            person=persons["david"],
            role=roles[("vat", "vat-declarant")],
            for_clients=True,
            ended_at=None,
            defaults={"valid_from": start},
        )
        self._seed_governance(organisations, persons)
        self._seed_oidc_client(roles[("dmfa", "declarant")].service)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(CITIZENS)} citizens, {len(COMPANIES)} companies, "
                f"{len(SPONSORS)} sponsors, {len(SERVICES)} services."
            )
        )

    def _seed_oidc_client(self, service: Any) -> None:
        """The example relying party's client; left as it is when it exists (its secret is
        stored hashed, and staff may have changed it)."""
        from csam.oidc.models import ServiceApplication

        if ServiceApplication.objects.filter(client_id=DEMO_RP_CLIENT_ID).exists():
            return
        ServiceApplication.objects.create(
            name="Example service (demo)",
            client_id=DEMO_RP_CLIENT_ID,
            client_secret=DEMO_RP_CLIENT_SECRET,
            service=service,
            redirect_uris=f"{DEMO_RP_URL}/callback",
            post_logout_redirect_uris=f"{DEMO_RP_URL}/",
            allowed_scopes="openid profile enterprise roles mandate",
        )

    def _seed_governance(self, organisations: dict[str, Any], persons: dict[str, Any]) -> None:
        """The three standing bodies, each sponsor's seat on the Management Committee and a
        secretary per body (bruno for the Management Committee). Seats are written directly:
        the demo stands in for the sponsors' nominations."""
        from governance.models import Body, Seat

        bodies = {}
        for code, kind, en, fr, nl, de in GOVERNANCE_BODIES:
            bodies[code], _ = Body.objects.update_or_create(
                code=code,
                defaults={"kind": kind, "name_en": en, "name_fr": fr, "name_nl": nl, "name_de": de},
            )
        start = dt.date(2024, 1, 1)
        for n, (code, _kind, *_names) in enumerate(SPONSORS):
            official, _ = person_get_or_create(
                national_number=_official_number(n), surname=f"Official {code.upper()}"
            )
            Seat.objects.get_or_create(
                body=bodies["mc"],
                organisation=organisations[code],
                person=official,
                role="member",
                defaults={"valid_from": start},
            )
        for body, username, organisation in (
            ("mc", "bruno", "bosa"),
            ("omg", "alice", "nsso"),
            ("suc", "david", "finance"),
        ):
            Seat.objects.get_or_create(
                body=bodies[body],
                organisation=organisations[organisation],
                person=persons[username],
                role="secretary",
                defaults={"valid_from": start},
            )


GOVERNANCE_BODIES = [
    (
        "mc",
        "management_committee",
        "Management Committee",
        "Comité de gestion",
        "Beheerscomité",
        "Verwaltungsausschuss",
    ),
    (
        "omg",
        "operational_group",
        "Operational Management Group",
        "Groupe de gestion opérationnelle",
        "Operationele beheersgroep",
        "Operative Verwaltungsgruppe",
    ),
    (
        "suc",
        "strategic_user_committee",
        "Strategic User Committee",
        "Comité stratégique des utilisateurs",
        "Strategisch gebruikerscomité",
        "Strategischer Nutzerausschuss",
    ),
]


def _official_number(n: int) -> str:
    """A valid demo national number (born 1 January 197n) for a sponsor's senior official."""
    base = f"7{n}0101001"
    return base + f"{97 - int(base) % 97:02d}"
