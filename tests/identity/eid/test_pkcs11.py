"""The eID card through PKCS#11, driven against SoftHSM2 tokens built like cards (see conftest)."""

import logging

import pkcs11.exceptions as token_errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pkcs11 import TokenFlag

from identity.eid.certificates import (
    KeyType,
    check_certificate,
    read_card_holder,
    verify_challenge_signature,
)
from identity.eid.exceptions import (
    CardError,
    MultipleCards,
    NoCard,
    NoReader,
    PinEntryCancelled,
    PinLocked,
    PinRequired,
    SignatureInvalid,
    WrongPin,
)
from identity.eid.pkcs11 import (
    list_cards,
    read_authentication_certificate,
    read_card_identity,
    sign_challenge,
    translate_token_error,
)
from tests.identity.eid.pki import der

CHALLENGE = b"csam-login:9f2c4e0a1b7d4c33a8e5f6d7c8b9a0e1"


def test_list_cards_finds_both_cards_when_tokens_labelled_belpic(softhsm):
    cards = list_cards()

    assert sorted(card.serial for card in cards) == sorted([softhsm.rsa.serial, softhsm.ec.serial])
    assert {card.label for card in cards} == {"BELPIC"}  # the OTHER token is left out
    assert not any(card.protected_authentication_path for card in cards)


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_read_authentication_certificate_returns_the_cards_certificate_when_serial_given(
    softhsm, key_type
):
    soft_card = softhsm.card(key_type)

    certificate = read_authentication_certificate(card_serial=soft_card.serial)

    assert certificate == der(soft_card.card.authentication)


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_sign_challenge_end_to_end_gives_the_card_holder_when_pin_right(softhsm, key_type):
    """Token -> signature -> verify_challenge_signature -> check_certificate -> CardHolder."""
    soft_card = softhsm.card(key_type)

    signed = sign_challenge(CHALLENGE, pin=soft_card.card.pin, card_serial=soft_card.serial)
    verify_challenge_signature(signed.certificate, CHALLENGE, signed.signature)
    holder = check_certificate(signed.certificate)

    assert signed.key_type is KeyType(key_type)
    assert signed.certificate == der(soft_card.card.authentication)
    assert holder.national_number.digits == soft_card.card.national_number
    assert holder.given_names == soft_card.card.given_names
    assert holder.surname == soft_card.card.surname
    assert holder.key_type is KeyType(key_type)


def test_sign_challenge_returns_der_ecdsa_when_card_is_ec(softhsm):
    signed = sign_challenge(CHALLENGE, pin=softhsm.ec.card.pin, card_serial=softhsm.ec.serial)

    r, s = decode_dss_signature(signed.signature)  # DER, not the token's raw r||s

    assert r.bit_length() <= 384
    assert s.bit_length() <= 384


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_sign_challenge_uses_the_authentication_key_when_card_also_holds_a_signature_key(
    softhsm, key_type
):
    soft_card = softhsm.card(key_type)

    signed = sign_challenge(CHALLENGE, pin=soft_card.card.pin, card_serial=soft_card.serial)

    with pytest.raises(SignatureInvalid):
        verify_challenge_signature(der(soft_card.card.signature), CHALLENGE, signed.signature)


def test_sign_challenge_signature_fails_verification_when_challenge_differs(softhsm):
    signed = sign_challenge(CHALLENGE, pin=softhsm.rsa.card.pin, card_serial=softhsm.rsa.serial)

    with pytest.raises(SignatureInvalid) as excinfo:
        verify_challenge_signature(signed.certificate, CHALLENGE + b"x", signed.signature)

    assert excinfo.value.code == "signature_invalid"


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_sign_challenge_raises_wrong_pin_when_pin_wrong(softhsm, key_type):
    soft_card = softhsm.card(key_type)

    with pytest.raises(WrongPin) as excinfo:
        sign_challenge(CHALLENGE, pin="0000", card_serial=soft_card.serial)

    assert excinfo.value.code == "wrong_pin"
    # SoftHSM raises CKF_USER_PIN_COUNT_LOW after a wrong PIN, but never a final try.
    assert excinfo.value.count_low is True
    assert excinfo.value.tries_left is None


def test_sign_challenge_never_logs_the_pin(softhsm, caplog):
    caplog.set_level(logging.DEBUG)
    secret_pin = "918273"

    with pytest.raises(WrongPin) as excinfo:
        sign_challenge(CHALLENGE, pin=secret_pin, card_serial=softhsm.rsa.serial)

    assert secret_pin not in caplog.text
    assert secret_pin not in str(excinfo.value)
    assert secret_pin not in excinfo.value.detail


def test_sign_challenge_raises_pin_required_when_no_pin_and_no_protected_path(softhsm):
    """SoftHSM has no protected authentication path; the beid module's real one needs a card."""
    with pytest.raises(PinRequired) as excinfo:
        sign_challenge(CHALLENGE, pin=None, card_serial=softhsm.rsa.serial)

    assert excinfo.value.code == "pin_required"


def test_sign_challenge_raises_multiple_cards_when_two_cards_and_no_serial(softhsm):
    with pytest.raises(MultipleCards):
        sign_challenge(CHALLENGE, pin=softhsm.rsa.card.pin)


def test_sign_challenge_raises_no_card_when_serial_unknown(softhsm):
    with pytest.raises(NoCard):
        sign_challenge(CHALLENGE, pin="1234", card_serial="0000000000000000")


def test_list_cards_returns_nothing_when_no_token_labelled_belpic(softhsm_without_cards):
    assert list_cards() == []


def test_read_authentication_certificate_raises_no_card_when_no_token_labelled_belpic(
    softhsm_without_cards,
):
    with pytest.raises(NoCard) as excinfo:
        read_authentication_certificate()

    assert excinfo.value.code == "no_card"


@pytest.mark.parametrize("module_path", ["/nonexistent/libbeidpkcs11.so", ""])
def test_sign_challenge_raises_no_reader_when_module_cannot_be_loaded(module_path):
    with pytest.raises(NoReader) as excinfo:
        sign_challenge(CHALLENGE, pin="1234", module_path=module_path)

    assert excinfo.value.code == "no_reader"


def test_list_cards_raises_no_reader_when_configured_module_missing(settings):
    settings.EID_PKCS11_MODULE = "/nonexistent/opensc-pkcs11.so"

    with pytest.raises(NoReader):
        list_cards()


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_read_card_identity_gives_name_and_national_number(softhsm, key_type):
    soft_card = softhsm.card(key_type)

    holder = read_card_identity(card_serial=soft_card.serial)

    assert holder.national_number.digits == soft_card.card.national_number
    assert holder.full_name == f"{soft_card.card.given_names} {soft_card.card.surname}"
    assert holder.first_given_name == soft_card.card.given_names.split()[0]
    certificate = x509.load_der_x509_certificate(der(soft_card.card.authentication))
    assert holder == read_card_holder(certificate)


# --- The boundary of the token layer --------------------------------------------------------------
# SoftHSM2 never blocks a PIN, and no test can make a real card do so, so these tests feed the real
# python-pkcs11 exception classes and token flags to the mapping that every token call goes
# through (`translate_token_error`).


def test_translate_token_error_gives_pin_locked_when_token_says_pin_locked():
    """A locked PIN cannot be produced with SoftHSM: tested at the boundary of the token module."""
    error = translate_token_error(token_errors.PinLocked())

    assert isinstance(error, PinLocked)
    assert error.code == "pin_locked"
    assert str(error.message)


def test_translate_token_error_gives_pin_locked_when_wrong_pin_blocked_the_card():
    error = translate_token_error(
        token_errors.PinIncorrect(), token_flags=TokenFlag.USER_PIN_LOCKED
    )

    assert isinstance(error, PinLocked)


def test_translate_token_error_gives_one_try_left_when_token_flags_final_try():
    error = translate_token_error(
        token_errors.PinIncorrect(),
        token_flags=TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY,
    )

    assert isinstance(error, WrongPin)
    assert error.tries_left == 1
    assert error.final_try is True
    assert "one try left" in str(error.message)


def test_translate_token_error_gives_unknown_tries_when_no_pin_flags():
    error = translate_token_error(token_errors.PinIncorrect(), token_flags=0)

    assert isinstance(error, WrongPin)
    assert error.tries_left is None
    assert error.count_low is False


@pytest.mark.parametrize(
    ("token_error", "expected"),
    [
        (token_errors.PinLenRange(), WrongPin),
        (token_errors.TokenNotPresent(), NoCard),
        (token_errors.DeviceRemoved(), NoCard),
        (token_errors.FunctionCancelled(), PinEntryCancelled),
        (token_errors.DeviceError(), CardError),
        (token_errors.GeneralError(), CardError),
    ],
)
def test_translate_token_error_maps_each_token_error(token_error, expected):
    error = translate_token_error(token_error)

    assert type(error) is expected
