"""A test PKI shaped like the Belgian eID one, built with `cryptography`.

Two chains, as on real cards: an RSA root ("CA4") over an RSA Citizen CA for applet 1.7 cards, and
an EC P-384 root ("CA6") over an EC Citizen CA for applet 1.8 cards. The Citizen CAs have path
length 0 and the EKUs clientAuth + emailProtection, like the real ones. Card certificates carry the
real subject layout: C=BE, CN="<first given name> <surname> (Authentication)", SN, GN and
serialNumber=<national register number>.

Bad certificates, each refused for one reason: untrusted issuer (a rogue CA with the very same
name as the real Citizen CA), expired, not yet valid, revoked (on a CRL the EC Citizen CA signs),
the Signature certificate (no digitalSignature), no national number, a national number with wrong
check digits, and a card under a sub-CA that breaks the Citizen CA's path length.

Build it once per test session: RSA key generation is the slow part of the eID tests. Bad cards
share one EC key for the same reason.
"""

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)
AUTHENTICATION_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
# The Signature certificate of a card: non-repudiation only.
SIGNATURE_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
CLIENT_EKU = [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def _hash_for(key: PrivateKey) -> hashes.HashAlgorithm:
    return hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()


@dataclass(frozen=True)
class Issuer:
    certificate: x509.Certificate
    key: PrivateKey

    @property
    def name(self) -> x509.Name:
        return self.certificate.subject


def ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str,
    key: PrivateKey,
    *,
    issuer: Issuer | None = None,
    path_length: int | None = None,
    now: dt.datetime,
    eku: bool = False,
) -> Issuer:
    """A CA certificate; self-signed when ``issuer`` is None."""
    name = ca_name(common_name)
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.name if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(CLIENT_EKU), critical=False)
    return Issuer(certificate=builder.sign(signer_key, _hash_for(signer_key)), key=key)


def card_subject(
    given_names: str, surname: str, national_number: str | None, role: str = "Authentication"
) -> x509.Name:
    """The subject of a card certificate, laid out as on the real card."""
    first_given_name = given_names.split(" ", 1)[0]
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{first_given_name} {surname} ({role})"),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.GIVEN_NAME, given_names),
    ]
    if national_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, national_number))
    return x509.Name(attributes)


def make_card_certificate(
    issuer: Issuer,
    key: PrivateKey,
    *,
    now: dt.datetime,
    given_names: str = "Anna Maria",
    surname: str = "Peeters",
    national_number: str | None = "85071412429",
    role: str = "Authentication",
    key_usage: x509.KeyUsage = AUTHENTICATION_KEY_USAGE,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    """A card certificate: by default a valid Authentication certificate from ``issuer``."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(card_subject(given_names, surname, national_number, role))
        .issuer_name(issuer.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=30))
        .not_valid_after(not_after or now + dt.timedelta(days=3650))
        .add_extension(key_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(CLIENT_EKU), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier("2.16.56.12.1.1.2.2"), None)]
            ),
            critical=False,
        )
    )
    return builder.sign(issuer.key, _hash_for(issuer.key))


def make_crl(
    issuer: Issuer,
    *,
    now: dt.datetime,
    revoked_serials: tuple[int, ...] = (),
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    delta: bool = False,
) -> bytes:
    """A DER CRL signed by ``issuer``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.name)
        .last_update(this_update or now - dt.timedelta(hours=1))
        .next_update(next_update or now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    if delta:
        builder = builder.add_extension(x509.DeltaCRLIndicator(1), critical=True)
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - dt.timedelta(days=1))
            .build()
        )
    return builder.sign(issuer.key, _hash_for(issuer.key)).public_bytes(serialization.Encoding.DER)


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def private_key_der(key: PrivateKey) -> bytes:
    """PKCS#1 (RSA) or SEC1 (EC) DER, the forms python-pkcs11's import helpers read."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class TestCard:
    """Everything a SoftHSM token needs to play one eID card."""

    __test__ = False  # not a test class, despite the name

    key_type: str  # "rsa" or "ec", as identity.eid.certificates.KeyType
    national_number: str
    given_names: str
    surname: str
    authentication_key: PrivateKey
    authentication: x509.Certificate
    signature_key: PrivateKey
    signature: x509.Certificate
    citizen_ca: x509.Certificate
    root: x509.Certificate
    pin: str


@dataclass(frozen=True)
class TestPki:
    """The whole test PKI; build it once per session with `build_test_pki`."""

    __test__ = False

    now: dt.datetime
    rsa_root: Issuer
    rsa_citizen_ca: Issuer
    ec_root: Issuer
    ec_citizen_ca: Issuer
    rsa_card: TestCard
    ec_card: TestCard
    bad: dict[str, x509.Certificate] = field(default_factory=dict)
    sub_ca: Issuer | None = None
    rogue_citizen_ca: Issuer | None = None

    @property
    def anchor_files(self) -> dict[str, bytes]:
        """The trust anchor PEM files: one per chain, each with its root and Citizen CA."""
        return {
            "belgium-rsa.pem": pem(self.rsa_root.certificate, self.rsa_citizen_ca.certificate),
            "belgium-ec.pem": pem(self.ec_root.certificate, self.ec_citizen_ca.certificate),
        }

    @property
    def issuers(self) -> tuple[Issuer, ...]:
        return (self.rsa_root, self.rsa_citizen_ca, self.ec_root, self.ec_citizen_ca)

    def fresh_crls(self) -> list[bytes]:
        """A fresh CRL for each CA; the EC Citizen CA's lists the revoked card."""
        revoked = self.bad["revoked"].serial_number
        return [
            make_crl(self.rsa_root, now=self.now),
            make_crl(self.rsa_citizen_ca, now=self.now),
            make_crl(self.ec_root, now=self.now),
            make_crl(self.ec_citizen_ca, now=self.now, revoked_serials=(revoked,)),
        ]


def build_test_pki(now: dt.datetime | None = None) -> TestPki:
    now = now or dt.datetime.now(dt.UTC)
    rsa_root = make_ca("Test Belgium Root CA4", rsa_key(), now=now)
    rsa_citizen_ca = make_ca(
        "Test Citizen CA RSA", rsa_key(), issuer=rsa_root, path_length=0, now=now, eku=True
    )
    ec_root = make_ca("Test Belgium Root CA6", ec_key(), now=now)
    ec_citizen_ca = make_ca(
        "Test Citizen CA EC", ec_key(), issuer=ec_root, path_length=0, now=now, eku=True
    )

    def card(
        issuer: Issuer,
        root: Issuer,
        *,
        key_type: str,
        auth_key: PrivateKey,
        sig_key: PrivateKey,
        person: dict[str, str],
        pin: str,
    ) -> TestCard:
        return TestCard(
            key_type=key_type,
            authentication_key=auth_key,
            authentication=make_card_certificate(issuer, auth_key, now=now, **person),
            signature_key=sig_key,
            signature=make_card_certificate(
                issuer, sig_key, now=now, role="Signature", key_usage=SIGNATURE_KEY_USAGE, **person
            ),
            citizen_ca=issuer.certificate,
            root=root.certificate,
            pin=pin,
            **person,
        )

    anna = {"given_names": "Anna Maria", "surname": "Peeters", "national_number": "85071412429"}
    lotte = {"given_names": "Lotte Sofie", "surname": "Janssens", "national_number": "03022824687"}
    rsa_card = card(
        rsa_citizen_ca,
        rsa_root,
        key_type="rsa",
        auth_key=rsa_key(),
        sig_key=rsa_key(),
        person=anna,
        pin="1234",
    )
    shared_key = ec_key()
    ec_card = card(
        ec_citizen_ca,
        ec_root,
        key_type="ec",
        auth_key=ec_key(),
        sig_key=shared_key,
        person=lotte,
        pin="4321",
    )

    # A rogue CA with exactly the name of the real Citizen CA: a name alone must not earn trust.
    rogue_root = make_ca("Test Belgium Root CA6", ec_key(), now=now)
    rogue_citizen_ca = make_ca(
        "Test Citizen CA EC", ec_key(), issuer=rogue_root, path_length=0, now=now, eku=True
    )
    # A sub-CA under a Citizen CA of path length 0: whatever it issues breaks the path length.
    sub_ca = make_ca("Test Sub CA", ec_key(), issuer=ec_citizen_ca, now=now)

    bad = {
        "untrusted": make_card_certificate(rogue_citizen_ca, shared_key, now=now),
        "expired": make_card_certificate(
            ec_citizen_ca,
            shared_key,
            now=now,
            not_before=now - dt.timedelta(days=3650),
            not_after=now - dt.timedelta(days=1),
        ),
        "not_yet_valid": make_card_certificate(
            ec_citizen_ca,
            shared_key,
            now=now,
            not_before=now + dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=3650),
        ),
        "revoked": make_card_certificate(ec_citizen_ca, shared_key, now=now),
        "no_digital_signature": ec_card.signature,
        "no_national_number": make_card_certificate(
            ec_citizen_ca, shared_key, now=now, national_number=None
        ),
        "bad_national_number": make_card_certificate(
            ec_citizen_ca, shared_key, now=now, national_number="85071412428"
        ),
        "path_length": make_card_certificate(sub_ca, shared_key, now=now),
    }
    return TestPki(
        now=now,
        rsa_root=rsa_root,
        rsa_citizen_ca=rsa_citizen_ca,
        ec_root=ec_root,
        ec_citizen_ca=ec_citizen_ca,
        rsa_card=rsa_card,
        ec_card=ec_card,
        bad=bad,
        sub_ca=sub_ca,
        rogue_citizen_ca=rogue_citizen_ca,
    )
