"""Checks on eID authentication certificates: trust, validity, usage, revocation, identity."""

import datetime as dt
import inspect

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from identity.eid import conf, exceptions
from identity.eid.certificates import (
    KeyType,
    check_certificate,
    crl_cache_key,
    crl_lookup,
    crl_store_put,
    read_card_holder,
    verify_challenge_signature,
)
from identity.eid.exceptions import (
    CertificateError,
    CertificateMalformed,
    CertificateRevoked,
    CertificateUntrusted,
    CrlInvalid,
    EidError,
    RevocationUnknown,
    SignatureInvalid,
)
from tests.identity.eid.pki import der, make_crl

CHALLENGE = b"csam-login:5b1e7c2d9a0f4e6b8c3d2a1f0e9d8c7b"


def _delete_crl(issuer) -> None:
    caches[conf.crl_cache_alias()].delete(crl_cache_key(issuer.name))


def _sign_like_the_card(card, challenge: bytes) -> bytes:
    key = card.authentication_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(challenge, ec.ECDSA(hashes.SHA384()))
    return key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())


# --- Good cards -----------------------------------------------------------------------------------


@pytest.mark.parametrize("card_name", ["rsa_card", "ec_card"])
def test_check_certificate_gives_card_holder_when_card_valid(pki, card_name):
    card = getattr(pki, card_name)

    holder = check_certificate(der(card.authentication))

    assert holder.national_number.digits == card.national_number
    assert holder.given_names == card.given_names
    assert holder.surname == card.surname
    assert holder.key_type is KeyType(card.key_type)
    assert holder.fingerprint_sha256 == card.authentication.fingerprint(hashes.SHA256()).hex()


def test_card_holder_repr_hides_national_number_when_printed(pki):
    holder = check_certificate(der(pki.rsa_card.authentication))

    assert pki.rsa_card.national_number not in repr(holder)


# --- Bad cards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_card", "code"),
    [
        ("untrusted", "certificate_untrusted"),
        ("expired", "certificate_expired"),
        ("not_yet_valid", "certificate_not_yet_valid"),
        ("revoked", "certificate_revoked"),
        ("no_digital_signature", "certificate_key_usage"),
        ("no_national_number", "national_number_missing"),
        ("bad_national_number", "national_number_invalid"),
        ("path_length", "certificate_untrusted"),
    ],
)
def test_check_certificate_refuses_when_card_bad(pki, bad_card, code):
    with pytest.raises(CertificateError) as excinfo:
        check_certificate(der(pki.bad[bad_card]))

    assert excinfo.value.code == code
    assert str(excinfo.value.message)


def test_check_certificate_refuses_path_length_when_sub_ca_is_configured_too(
    pki, settings, misconfigured_anchor_file
):
    """Even an operator who adds the sub-CA to the anchors cannot defeat path length 0."""
    settings.EID_TRUST_ANCHORS = [misconfigured_anchor_file]

    with pytest.raises(CertificateUntrusted) as excinfo:
        check_certificate(der(pki.bad["path_length"]))

    assert "path length" in excinfo.value.detail


def test_check_certificate_keeps_national_number_out_of_the_error_when_untrusted(pki):
    with pytest.raises(CertificateUntrusted) as excinfo:
        check_certificate(der(pki.bad["untrusted"]))

    assert "85071412429" not in str(excinfo.value)
    assert excinfo.value.__cause__ is None


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a certificate", b"\x30\x82\x01\x00" + b"\x00" * 20, "a string, not bytes"],
)
def test_check_certificate_raises_malformed_when_bytes_are_garbage(garbage):
    with pytest.raises(CertificateMalformed) as excinfo:
        check_certificate(garbage)

    assert excinfo.value.code == "certificate_malformed"


def test_check_certificate_raises_malformed_when_certificate_truncated(pki):
    with pytest.raises(CertificateMalformed):
        check_certificate(der(pki.rsa_card.authentication)[:-10])


# --- Revocation lists -----------------------------------------------------------------------------


def test_check_certificate_raises_revocation_unknown_when_crl_missing_and_policy_refuse(pki):
    _delete_crl(pki.ec_citizen_ca)

    with pytest.raises(RevocationUnknown) as excinfo:
        check_certificate(der(pki.ec_card.authentication))

    assert excinfo.value.code == "revocation_unknown"


def test_check_certificate_accepts_when_crl_missing_and_policy_allow(pki, settings):
    settings.EID_CRL_MISSING_POLICY = "allow"
    _delete_crl(pki.ec_citizen_ca)

    holder = check_certificate(der(pki.ec_card.authentication))

    assert holder.national_number.digits == pki.ec_card.national_number


def test_check_certificate_raises_revocation_unknown_when_root_crl_missing(pki):
    """The Citizen CA itself is checked against the root's CRL."""
    _delete_crl(pki.rsa_root)

    with pytest.raises(RevocationUnknown):
        check_certificate(der(pki.rsa_card.authentication))


def test_check_certificate_raises_revocation_unknown_when_crl_past_next_update(pki):
    later = pki.now + dt.timedelta(days=8)  # the CRLs' nextUpdate is 7 days after `now`

    with pytest.raises(RevocationUnknown):
        check_certificate(der(pki.ec_card.authentication), now=later)


def test_check_certificate_refuses_revoked_card_even_when_policy_allow(pki, settings):
    settings.EID_CRL_MISSING_POLICY = "allow"

    with pytest.raises(CertificateRevoked):
        check_certificate(der(pki.bad["revoked"]))


def test_crl_missing_policy_raises_improperly_configured_when_value_unknown(pki, settings):
    settings.EID_CRL_MISSING_POLICY = "sometimes"
    _delete_crl(pki.ec_citizen_ca)

    with pytest.raises(ImproperlyConfigured):
        check_certificate(der(pki.ec_card.authentication))


def test_crl_store_put_keeps_newer_crl_when_older_one_is_replayed(pki):
    older = make_crl(
        pki.ec_citizen_ca,
        now=pki.now,
        this_update=pki.now - dt.timedelta(days=2),
        next_update=pki.now + dt.timedelta(days=5),
    )

    stored = crl_store_put(older)

    assert stored is False
    with pytest.raises(CertificateRevoked):
        check_certificate(der(pki.bad["revoked"]))


def test_crl_store_put_replaces_crl_when_newer(pki):
    newer = make_crl(pki.ec_citizen_ca, now=pki.now, this_update=pki.now)

    stored = crl_store_put(newer)

    assert stored is True
    assert crl_lookup(pki.ec_citizen_ca.name).last_update_utc == pki.now.replace(microsecond=0)


def test_crl_store_put_refuses_when_signed_by_untrusted_ca_of_the_same_name(pki):
    forged = make_crl(pki.rogue_citizen_ca, now=pki.now, this_update=pki.now)

    with pytest.raises(CrlInvalid) as excinfo:
        crl_store_put(forged)

    assert excinfo.value.code == "crl_invalid"


def test_crl_store_put_refuses_when_crl_expired(pki):
    stale = make_crl(
        pki.ec_citizen_ca,
        now=pki.now,
        this_update=pki.now - dt.timedelta(days=10),
        next_update=pki.now - dt.timedelta(days=3),
    )

    with pytest.raises(CrlInvalid):
        crl_store_put(stale)


def test_crl_store_put_refuses_when_crl_is_a_delta(pki):
    with pytest.raises(CrlInvalid):
        crl_store_put(make_crl(pki.ec_citizen_ca, now=pki.now, delta=True))


@pytest.mark.parametrize("garbage", [b"", b"garbage", b"\x30\x03\x02\x01\x01"])
def test_crl_store_put_refuses_when_bytes_are_garbage(garbage):
    with pytest.raises(CrlInvalid):
        crl_store_put(garbage)


def test_crl_lookup_returns_none_when_nothing_cached(pki):
    _delete_crl(pki.rsa_citizen_ca)

    assert crl_lookup(pki.rsa_citizen_ca.name) is None


# --- Trust anchors --------------------------------------------------------------------------------


def test_check_certificate_raises_improperly_configured_when_no_trust_anchors(pki, settings):
    settings.EID_TRUST_ANCHORS = []

    with pytest.raises(ImproperlyConfigured):
        check_certificate(der(pki.rsa_card.authentication))


def test_check_certificate_raises_improperly_configured_when_anchor_file_missing(pki, settings):
    settings.EID_TRUST_ANCHORS = ["/nonexistent/belgium-root.pem"]

    with pytest.raises(ImproperlyConfigured):
        check_certificate(der(pki.rsa_card.authentication))


def test_check_certificate_refuses_card_when_its_chain_is_not_configured(
    pki, settings, trust_anchor_files
):
    settings.EID_TRUST_ANCHORS = [p for p in trust_anchor_files if p.endswith("belgium-rsa.pem")]

    with pytest.raises(CertificateUntrusted):
        check_certificate(der(pki.ec_card.authentication))


# --- Challenge signatures -------------------------------------------------------------------------


@pytest.mark.parametrize("card_name", ["rsa_card", "ec_card"])
def test_verify_challenge_signature_accepts_when_signature_right(pki, card_name):
    card = getattr(pki, card_name)
    signature = _sign_like_the_card(card, CHALLENGE)

    verify_challenge_signature(der(card.authentication), CHALLENGE, signature)


@pytest.mark.parametrize("card_name", ["rsa_card", "ec_card"])
def test_verify_challenge_signature_raises_signature_invalid_when_tampered(pki, card_name):
    card = getattr(pki, card_name)
    signature = bytearray(_sign_like_the_card(card, CHALLENGE))
    signature[-1] ^= 0x01

    with pytest.raises(SignatureInvalid):
        verify_challenge_signature(der(card.authentication), CHALLENGE, bytes(signature))


def test_verify_challenge_signature_raises_signature_invalid_when_ec_signature_raw(pki):
    card = pki.ec_card
    r, s = decode_dss_signature(_sign_like_the_card(card, CHALLENGE))
    raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")

    with pytest.raises(SignatureInvalid):
        verify_challenge_signature(der(card.authentication), CHALLENGE, raw)


def test_verify_challenge_signature_raises_signature_invalid_when_signature_empty(pki):
    with pytest.raises(SignatureInvalid):
        verify_challenge_signature(der(pki.rsa_card.authentication), CHALLENGE, b"")


# --- Reading without trust, and the error catalogue -----------------------------------------------


def test_read_card_holder_reads_untrusted_certificate_without_checking_trust(pki):
    holder = read_card_holder(der(pki.bad["untrusted"]))

    assert holder.national_number.digits == "85071412429"


def test_every_eid_error_has_its_own_code_and_a_message():
    classes = [
        cls
        for _name, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, EidError)
    ]
    codes = [cls.code for cls in classes]

    assert len(codes) == len(set(codes))
    assert all(str(cls.default_message) for cls in classes)
