"""Levels of assurance: the client asks with acr_values (names or URNs), the portal steps the
person up to that level or answers with an OpenID Connect error, and acr/amr say what was used."""

from urllib.parse import parse_qs, urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import totp_code
from tests.oidc.conftest import (
    authorize_url,
    decode,
    exchange_code,
    make_client,
    pkce,
    redirect_params,
    tokens_for,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("requested", "session", "acr", "amr"),
    [
        ("low", "low", "low", ["pwd"]),
        ("substantial", "substantial", "substantial", ["pwd", "otp", "mfa"]),
        ("high", "high", "high", ["sc"]),
        ("urn:be:fedict:iam:fas:Level200", "low", "urn:be:fedict:iam:fas:Level200", ["pwd"]),
        (
            "urn:be:fedict:iam:fas:Level400",
            "substantial",
            "urn:be:fedict:iam:fas:Level400",
            ["pwd", "otp", "mfa"],
        ),
        ("urn:be:fedict:iam:fas:Level500", "high", "urn:be:fedict:iam:fas:Level500", ["sc"]),
        # A stronger session than asked for says what it really is.
        ("low", "high", "high", ["sc"]),
    ],
)
def test_id_token_says_the_level_and_means_used(client_at, world, rp, requested, session, acr, amr):
    client = client_at(world.alice, session)

    tokens = tokens_for(client, rp, acr_values=requested)

    id_token = decode(tokens["id_token"])
    assert id_token["acr"] == acr
    assert id_token["amr"] == amr
    assert isinstance(id_token["auth_time"], int)
    assert decode(tokens["access_token"])["acr"] == acr


@pytest.mark.parametrize(
    ("requested", "session"),
    [("substantial", "low"), ("high", "low"), ("high", "substantial")],
)
def test_a_session_below_the_requested_level_is_sent_to_step_up(
    client_at, world, rp, requested, session
):
    client = client_at(world.alice, session)
    url = authorize_url(rp, challenge=pkce().challenge, acr_values=requested)

    response = client.get(url)

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == "/accounts/step-up/"
    query = parse_qs(location.query)
    assert query["level"] == [requested]
    assert query["next"] == [url]


def test_step_up_with_a_one_time_code_then_the_flow_completes_at_substantial(client_at, world, rp):
    TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    client = client_at(world.alice, "low")
    proof = pkce()
    url = authorize_url(rp, challenge=proof.challenge, acr_values="substantial")
    step_up = client.get(url)["Location"]

    after_code = client.post(step_up, {"code": totp_code(world.alice), "level": "substantial"})

    assert after_code.status_code == 302
    assert after_code["Location"] == url
    assert client.get(url).status_code == 200
    params = redirect_params(client.post(url, {"decision": "allow", "acting": "self"}))
    tokens = exchange_code(None, rp, params["code"], proof.verifier).json()
    id_token = decode(tokens["id_token"])
    assert id_token["acr"] == "substantial"
    assert id_token["amr"] == ["pwd", "otp", "mfa"]


def test_the_lowest_of_several_acceptable_levels_is_enough(client_at, world, rp):
    client = client_at(world.alice, "substantial")

    tokens = tokens_for(client, rp, acr_values="high substantial")

    assert decode(tokens["id_token"])["acr"] == "substantial"


def test_client_minimum_level_applies_when_the_client_asks_for_less(client_at, world):
    app = make_client(world.vat.service, name="Strict", min_assurance="high")
    client = client_at(world.alice, "substantial")

    response = client.get(authorize_url(app, challenge=pkce().challenge, acr_values="low"))

    assert response.status_code == 302
    assert parse_qs(urlparse(response["Location"]).query)["level"] == ["high"]


def test_prompt_none_below_the_level_answers_interaction_required(client_at, world, rp):
    client = client_at(world.alice, "low")
    url = authorize_url(rp, challenge=pkce().challenge, acr_values="high", prompt="none")

    params = redirect_params(client.get(url))

    assert params["error"] == "interaction_required"
    assert params["state"] == "st-123"


def test_prompt_none_without_a_session_answers_login_required(client, rp):
    url = authorize_url(rp, challenge=pkce().challenge, prompt="none")

    params = redirect_params(client.get(url))

    assert params["error"] == "login_required"


def test_prompt_none_with_enough_level_answers_with_a_code_at_once(client_at, world, rp):
    client = client_at(world.alice, "high")
    url = authorize_url(rp, challenge=pkce().challenge, acr_values="substantial", prompt="none")

    params = redirect_params(client.get(url))

    assert "code" in params


def test_unknown_acr_values_are_refused(client_at, world, rp):
    client = client_at(world.alice, "high")
    url = authorize_url(rp, challenge=pkce().challenge, acr_values="urn:example:gold")

    params = redirect_params(client.get(url))

    assert params["error"] == "invalid_request"


def test_a_step_up_that_aged_past_its_maximum_is_asked_again(client_at, world, rp, settings):
    import datetime as dt

    settings.ASSURANCE_MAX_AGE = {
        "low": dt.timedelta(hours=12),
        "substantial": dt.timedelta(seconds=0),
        "high": dt.timedelta(hours=12),
    }
    client = client_at(world.alice, "substantial")

    response = client.get(authorize_url(rp, challenge=pkce().challenge, acr_values="substantial"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/")
