"""In Chromium: the example service logs a citizen in through the portal at level substantial,
the citizen chooses to act for their company, and the service shows the act claim."""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from csam.oidc.claims import subject_of
from csam.oidc.models import ServiceApplication
from examples.oidc_rp import Settings, make_app
from tests.browser.conftest import assert_accessible
from tests.conftest import totp_code
from tests.factories.companies import CompanyFactory, GrantFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PASSWORD, UserFactory
from tests.oidc.conftest import SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
        pass


@pytest.fixture
def example_service(live_server):
    """The example relying party on a loopback port, registered as the service's client."""
    service = ServiceFactory(code="vat-example", name_en="VAT example")
    role = RoleFactory(service=service, code="declarant")
    server = make_server("127.0.0.1", 0, lambda e, s: app(e, s), handler_class=_Quiet)
    port = server.server_port
    client = ServiceApplication.objects.create(
        name="Example service",
        service=service,
        client_secret=SECRET,
        redirect_uris=f"http://127.0.0.1:{port}/callback",
        allowed_scopes="openid profile enterprise roles",
    )
    app = make_app(
        Settings(
            issuer=f"{live_server.url}/oidc",
            client_id=client.client_id,
            client_secret=SECRET,
            redirect_uri=f"http://127.0.0.1:{port}/callback",
            scope="openid profile enterprise roles",
            acr_values="substantial",
        )
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{port}", "role": role}
    server.shutdown()
    server.server_close()


def test_example_service_logs_in_at_substantial_acting_for_the_company(page, example_service):
    citizen = UserFactory(username="citizen")
    TOTPDevice.objects.create(user=citizen, name="app", confirmed=True)
    company = CompanyFactory(name="Brasserie Exemple")
    GrantFactory(company=company, person=citizen.person, role=example_service["role"])

    page.goto(example_service["url"] + "/")
    page.get_by_role("link", name="Log in with CSAM").click()

    # The portal: password, then the one-time code the service's level needs.
    page.get_by_role("textbox", name="Username").fill("citizen")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("textbox", name="Code").fill(totp_code(citizen))
    page.get_by_role("button", name="Confirm").click()

    # Consent, and the choice of whom to act for.
    assert page.get_by_role("heading", name="Log in to Example service").is_visible()
    assert_accessible(page)
    page.get_by_label("Brasserie Exemple").check()
    page.get_by_role("button", name="Continue to the service").click()

    # Back at the service, which shows what it received.
    page.get_by_test_id("acting").wait_for()
    assert "Acting for someone else" in page.get_by_test_id("acting").inner_text()
    assert subject_of(citizen.person) in page.get_by_test_id("claim-act").inner_text()
    assert subject_of(company) in page.get_by_test_id("claim-sub").inner_text()
    assert page.get_by_test_id("claim-acr").inner_text() == '"substantial"'
    assert company.enterprise_number in page.get_by_test_id("claim-enterprise").inner_text()
    assert "declarant" in page.get_by_test_id("claim-roles").inner_text()
