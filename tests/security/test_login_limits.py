"""Log-in abuse limits: django-axes locks a username from one address; a separate counter pauses
an address that fails with many usernames. Both answer 429 with a page that says why."""

from django.urls import reverse

import pytest

from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("identity:login")


@pytest.fixture
def address_limit(settings, clock):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT


def _fail(client, username, address="198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def _login(client, user, address="198.51.100.7"):
    return client.post(
        LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address
    )


def test_login_locked_for_username_when_address_repeats_failures(client, user, settings):
    answers = [_fail(client, user.username).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    # Even the right password is refused while the lock lasts.
    response = _login(client, user)

    assert answers[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_lock_of_one_username_leaves_other_usernames_open(client, user, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, user.username)

    response = _login(client, UserFactory())

    assert response.status_code == 302


def test_login_paused_for_address_when_it_fails_with_many_usernames(client, address_limit):
    for n in range(address_limit):
        assert _fail(client, f"guess-{n}").status_code == 200
    user = UserFactory()

    response = _login(client, user)

    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-ins from your connection" in body
    assert "Please try again in" in body
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_login_pause_of_one_address_leaves_other_addresses_open(client, address_limit):
    for n in range(address_limit):
        _fail(client, f"guess-{n}")

    response = _login(client, UserFactory(), address="203.0.113.9")

    assert response.status_code == 302


def test_login_pause_ends_when_window_passes(client, address_limit, clock, settings):
    for n in range(address_limit):
        _fail(client, f"guess-{n}")
    clock.advance(seconds=settings.LOGIN_ADDRESS_WINDOW.total_seconds())

    response = _login(client, UserFactory())

    assert response.status_code == 302


def test_login_pause_counts_an_ipv6_64_as_one_address(client, address_limit):
    for n in range(address_limit):
        _fail(client, f"guess-{n}", address=f"2001:db8:1:2::{n + 1:x}")

    paused = _login(client, UserFactory(), address="2001:db8:1:2::ffff")
    elsewhere = _login(client, UserFactory(), address="2001:db8:1:3::1")

    assert paused.status_code == 429
    assert elsewhere.status_code == 302


def test_login_pause_applies_to_admin_log_in_too(client, address_limit):
    for n in range(address_limit):
        _fail(client, f"guess-{n}")

    response = client.post(
        reverse("admin:login"),
        {"username": "someone", "password": "x"},
        REMOTE_ADDR="198.51.100.7",
    )

    assert response.status_code == 429


def test_login_page_still_shown_when_address_paused(client, address_limit):
    for n in range(address_limit):
        _fail(client, f"guess-{n}")

    assert client.get(LOGIN, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_login_pause_off_when_limit_zero(client, settings, clock):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 0
    for n in range(6):
        _fail(client, f"guess-{n}")

    assert _login(client, UserFactory()).status_code == 302
