"""The demo data of `make run`: loaded twice without change, with the example service's client."""

from django.contrib.auth.hashers import check_password
from django.core.management import call_command

import pytest

from csam.demo.management.commands.seed_demo import (
    DEMO_RP_CLIENT_ID,
    DEMO_RP_CLIENT_SECRET,
    DEMO_RP_URL,
)
from csam.oidc.models import ServiceApplication
from identity.models import User

pytestmark = pytest.mark.django_db


def test_demo_data_loads_twice_with_one_example_client():
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    assert User.objects.filter(username__in=["alice", "bruno", "clara", "david"]).count() == 4
    [client] = ServiceApplication.objects.filter(client_id=DEMO_RP_CLIENT_ID)
    assert client.service.code == "dmfa"
    assert client.redirect_uris == f"{DEMO_RP_URL}/callback"
    # Stored hashed, as every client secret: the published one checks against it.
    assert client.client_secret != DEMO_RP_CLIENT_SECRET
    assert check_password(DEMO_RP_CLIENT_SECRET, client.client_secret)
