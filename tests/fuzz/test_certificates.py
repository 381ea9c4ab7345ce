"""Certificate and CRL parsing: whatever bytes arrive, the eID layer answers with an `EidError`
(or a card holder), never another exception.

Three kinds of input: arbitrary bytes; the test PKI's real card certificate (and a real CRL)
changed in their DER structure; and certificates the test Citizen CA really signs, with subject
attributes drawn at random.
"""

import copy
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from identity.eid.certificates import (
    CardHolder,
    check_certificate,
    crl_store_put,
    read_card_holder,
    verify_challenge_signature,
)
from identity.eid.exceptions import CertificateMalformed, CrlInvalid, EidError
from identity.numbers import parse_national_number
from tests.fuzz import der
from tests.fuzz.profiles import budget
from tests.identity.eid.pki import AUTHENTICATION_KEY_USAGE, CLIENT_EKU, make_crl
from tests.identity.eid.pki import der as der_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("eid_trust"),
    # cryptography warns about a country name that is not two letters; the checks refuse later.
    pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning"),
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
]


def checked(certificate: bytes, now: dt.datetime) -> CardHolder | EidError:
    """What `check_certificate` makes of ``certificate``: the holder, or the refusal."""
    try:
        return check_certificate(certificate, now=now)
    except EidError as error:
        return error


# --- Arbitrary bytes ------------------------------------------------------------------------------


@settings(max_examples=budget(200))
@given(st.binary(max_size=2048))
def test_check_certificate_refuses_cleanly_any_bytes(pki, data):
    result = checked(data, pki.now)
    assert isinstance(result, EidError)


@settings(max_examples=budget(100))
@given(st.binary(max_size=1024), st.binary(max_size=512))
def test_verify_challenge_signature_refuses_cleanly_any_signature(card_der, challenge, signature):
    with pytest.raises(EidError):
        verify_challenge_signature(card_der, challenge, signature)


@settings(max_examples=budget(100))
@given(st.binary(max_size=2048))
def test_crl_store_put_refuses_cleanly_any_bytes(pki, data):
    with pytest.raises(EidError):
        crl_store_put(data, now=pki.now)


# --- Structural mutations of real DER -------------------------------------------------------------


@pytest.fixture
def card_der(pki) -> bytes:
    return der_bytes(pki.ec_card.authentication)


@pytest.fixture
def crl_der(pki) -> bytes:
    # Made once per test: an ECDSA signature differs on every signing, and each example must
    # start from the same bytes.
    return make_crl(pki.ec_citizen_ca, now=pki.now)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with one to three changes to its DER tree, every length re-encoded."""
    root = der.parse(original)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        nodes = der.walk(root)
        node, parent = draw(st.sampled_from(nodes))
        operation = draw(
            st.sampled_from(["duplicate", "drop", "content", "tag", "truncate", "swap"])
        )
        if operation == "duplicate" and parent is not None:
            parent.children.insert(parent.children.index(node), copy.deepcopy(node))
        elif operation == "drop" and parent is not None:
            parent.children.remove(node)
        elif operation == "content" and not node.constructed:
            node.content = draw(
                st.one_of(
                    st.binary(max_size=40),
                    st.sampled_from([b"", b"\x00", b"\xff" * 9, b"\x05", b"\x02", b"99991231"]),
                )
            )
        elif operation == "tag":
            # Keep the constructed bit: the tree stays readable, only the type changes.
            node.tag = (draw(st.integers(0, 255)) & ~0x20) | (node.tag & 0x20)
        elif operation == "truncate" and not node.constructed and node.content:
            node.content = node.content[: draw(st.integers(0, len(node.content) - 1))]
        elif operation == "swap" and parent is not None and len(parent.children) > 1:
            other = draw(st.sampled_from(parent.children))
            i, j = parent.children.index(node), parent.children.index(other)
            parent.children[i], parent.children[j] = parent.children[j], parent.children[i]
    return der.encode(root)


@settings(max_examples=budget(300))
@given(st.data())
def test_check_certificate_refuses_cleanly_any_mutated_card_certificate(pki, card_der, data):
    certificate = data.draw(mutated(card_der))
    result = checked(certificate, pki.now)
    if isinstance(result, CardHolder):
        # Only an unchanged certificate can pass every check.
        assert certificate == card_der


@settings(max_examples=budget(200))
@given(st.data())
def test_read_card_holder_refuses_cleanly_any_mutated_card_certificate(pki, card_der, data):
    certificate = data.draw(mutated(card_der))
    try:
        holder = read_card_holder(certificate, today=pki.now.date())
    except EidError:
        return
    assert parse_national_number(holder.national_number.digits, today=pki.now.date())


@settings(max_examples=budget(200))
@given(st.data())
def test_crl_store_put_refuses_cleanly_any_mutated_crl(pki, crl_der, data):
    changed = data.draw(mutated(crl_der))
    try:
        crl_store_put(changed, now=pki.now)
    except EidError:
        return
    assert changed == crl_der


# --- What the fuzzing found (regressions) --------------------------------------------------------


def _extensions(root: der.Node) -> der.Node:
    tbs = root.children[0]
    (wrapper,) = [n for n in tbs.children if n.tag == 0xA3]  # [3] EXPLICIT Extensions
    return wrapper.children[0]


def test_check_certificate_refuses_as_malformed_when_extension_duplicated(pki, card_der):
    root = der.parse(card_der)
    extensions = _extensions(root)
    extensions.children.append(copy.deepcopy(extensions.children[0]))
    with pytest.raises(CertificateMalformed):
        check_certificate(der.encode(root), now=pki.now)


def test_check_certificate_refuses_as_malformed_when_version_unknown(pki, card_der):
    root = der.parse(card_der)
    version = root.children[0].children[0]  # [0] EXPLICIT INTEGER
    version.children[0].content = b"\x05"
    with pytest.raises(CertificateMalformed):
        check_certificate(der.encode(root), now=pki.now)


def test_check_certificate_refuses_as_malformed_when_subject_attribute_is_a_bit_string(
    pki, card_der
):
    root = der.parse(card_der)
    subject = root.children[0].children[5]  # version, serial, algorithm, issuer, validity, subject
    serial_number = subject.children[-1].children[0]  # the last RDN: serialNumber
    serial_number.children[1].tag = 0x03  # BIT STRING, allowed only for x500UniqueIdentifier
    with pytest.raises(CertificateMalformed):
        check_certificate(der.encode(root), now=pki.now)


def test_crl_store_put_refuses_as_invalid_when_issuer_attribute_repeated(pki, crl_der):
    root = der.parse(crl_der)
    issuer = root.children[0].children[2]  # version, signature algorithm, issuer
    country = issuer.children[0]  # the RDN SET holding C=BE
    country.children.append(copy.deepcopy(country.children[0]))
    with pytest.raises(CrlInvalid):
        crl_store_put(der.encode(root), now=pki.now)


# --- Really signed certificates with random subjects ----------------------------------------------

# cryptography refuses to build a common name or serial number over 64 bytes of UTF-8.
attribute_text = st.text(min_size=1, max_size=40).filter(
    lambda s: "\x00" not in s and len(s.encode()) <= 64
)
serial_text = st.one_of(
    st.text(alphabet="0123456789 .-", min_size=1, max_size=14),
    attribute_text,
    st.just("85071412429"),
)


@st.composite
def card_subjects(draw: st.DrawFn) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE")]
    for oid in (NameOID.COMMON_NAME, NameOID.SURNAME, NameOID.GIVEN_NAME):
        for value in draw(st.lists(attribute_text, max_size=2)):
            attributes.append(x509.NameAttribute(oid, value))
    for value in draw(st.lists(serial_text, max_size=2)):
        # UTF8String: the card writes a PrintableString, but anything may arrive.
        attributes.append(
            x509.NameAttribute(NameOID.SERIAL_NUMBER, value, _type=_ASN1Type.UTF8String)
        )
    return x509.Name(attributes)


@settings(max_examples=budget(60))
@given(card_subjects())
def test_check_certificate_refuses_or_names_valid_number_for_any_signed_subject(pki, subject):
    issuer = pki.ec_citizen_ca
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.name)
        .public_key(pki.ec_card.authentication_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - dt.timedelta(days=1))
        .not_valid_after(pki.now + dt.timedelta(days=365))
        .add_extension(AUTHENTICATION_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage(CLIENT_EKU), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .sign(issuer.key, hashes.SHA384())
    )
    result = checked(der_bytes(certificate), pki.now)
    if isinstance(result, CardHolder):
        serials = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
        assert [a.value for a in serials] == [result.national_number.digits]
