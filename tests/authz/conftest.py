"""Fixtures of the decision API tests: a service client of the VAT service, and its calls."""

import pytest

from companies.services import service_client_create


@pytest.fixture
def key(world):
    _client, key = service_client_create(
        name="VAT backend",
        organisation=world.vat.service.owner,
        services=[world.vat.service],
        actor_label="staff",
    )
    return key


@pytest.fixture
def api(client, key):
    def call(method, url, data=None, **extra):
        return (
            getattr(client, method)(
                url,
                data,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
                **extra,
            )
            if method == "post"
            else client.get(url, data, HTTP_AUTHORIZATION=f"Bearer {key}")
        )

    return call
