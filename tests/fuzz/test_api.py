"""The REST API under schemathesis: whatever a caller sends, the answer is never a 500.

Every operation of the OpenAPI schema (as drf-spectacular serves it at /api/schema/) is called
with generated input by three callers: nobody, a registered service client (Bearer key), and a
company's main access manager at level high acting for the company (session cookie and CSRF
token, so writes get past the CSRF check and reach the services). Requests go through the real
WSGI application, in the test's database transaction.
"""

import json
import sys
import traceback
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils.crypto import get_random_string

import hypothesis
import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from companies.services import service_client_create
from csam.authz.services import SESSION_KEY as ACTING_SESSION_KEY
from tests.conftest import login_at
from tests.fuzz.profiles import budget, long_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eid_trust")]


def _openapi() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


# The coverage phase (boundary values of every parameter, a fixed and large number of cases)
# runs in `make fuzz` only; the suite draws a few random cases per operation.
schema = schemathesis.openapi.from_dict(
    _openapi(),
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": long_run()}}}),
)
APPLICATION = get_wsgi_application()


@dataclass
class Caller:
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    # Nobody sends whatever Bearer key or session cookie the schema makes up; the others send
    # only their own credentials.
    keeps_made_up_credentials: bool = False


@pytest.fixture
def callers(world, client) -> dict[str, Caller]:
    _record, key = service_client_create(
        name="VAT backend",
        organisation=world.vat.service.owner,
        services=[world.vat.service],
        actor_label="staff",
    )
    login_at(client, world.provider_manager, "high")
    session = client.session
    session[ACTING_SESSION_KEY] = world.provider.pk
    session.save()
    token = get_random_string(32)
    return {
        "anonymous": Caller(keeps_made_up_credentials=True),
        "service_client": Caller(headers={"Authorization": f"Bearer {key}"}),
        "access_manager": Caller(
            headers={"X-CSRFToken": token},
            cookies={
                django_settings.SESSION_COOKIE_NAME: session.session_key,
                django_settings.CSRF_COOKIE_NAME: token,
            },
        ),
    }


@pytest.fixture
def server_errors(settings):
    """Serve like a server, inside the test's transaction: the host the WSGI client sends is
    allowed, connections stay open across requests, and every unhandled exception is kept."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    caught: list[str] = []

    def keep(sender: object, **kwargs: object) -> None:
        caught.append("".join(traceback.format_exception(*sys.exc_info())))

    got_request_exception.connect(keep)
    yield caught
    got_request_exception.disconnect(keep)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@schema.given(who=st.sampled_from(["anonymous", "service_client", "access_manager"]))
@hypothesis.settings(max_examples=budget(10))
def test_api_never_answers_server_error(case, who, callers, server_errors):
    caller = callers[who]
    if not caller.keeps_made_up_credentials:
        case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
        case.cookies = {}
    cache.clear()  # throttling would answer 429 and hide the views from later examples
    server_errors.clear()
    response = case.call(app=APPLICATION, headers=caller.headers, cookies=caller.cookies)
    assert server_errors == [], server_errors[0]
    case.validate_response(response, checks=[not_a_server_error])
