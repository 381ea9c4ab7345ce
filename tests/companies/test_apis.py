"""The company access-management API: who may do what, bad input, tenant scoping, query counts.

Every request acts for a company chosen in the session (never named by the request). The other
company's manager acts for their own company, so our objects are "not found" for them.
"""

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

import pytest

from companies.models import AccessManager, Grant
from companies.services import grant_create
from companies.services.imports import MAX_IMPORT_BYTES
from csam.audit.models import AuditEvent
from csam.audit.services import audit_record
from csam.authz.services import SESSION_KEY as ACTING_SESSION_KEY
from identity.models import Person
from tests.companies.conftest import acting
from tests.conftest import login_at
from tests.factories.companies import GrantFactory
from tests.factories.identity import PersonFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/company"
NEWCOMER = "85071412429"
NEWCOMER_DOTTED = "85.07.14-124.29"
OUTSIDER = "85071412627"  # only ever a collaborator of the other company


def act_for(client, user, company, level="high"):
    """Log ``user`` in on ``client`` at ``level``, acting for ``company`` (set in the session)."""
    login_at(client, user, level)
    session = client.session
    session[ACTING_SESSION_KEY] = company.pk
    session.save()
    return client


@pytest.fixture
def api(client, tenant):
    """A client acting as one of the tenant fixture's people, by name; "anonymous" logs nobody
    in. The other company's manager acts for their own company."""

    def make(actor_name, level="high"):
        if actor_name == "anonymous":
            return client
        company = tenant.other_company if actor_name == "other_manager" else tenant.company
        return act_for(client, getattr(tenant, actor_name), company, level)

    return make


def collaborator_grant(tenant):
    return Grant.objects.get(company=tenant.company, person=tenant.collaborator.person)


def finance_designation(tenant):
    return AccessManager.objects.get(company=tenant.company, person=tenant.finance_manager.person)


def csv_file(text, name="grants.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def vat_row_file():
    return csv_file(f"national_number,service,role\n{NEWCOMER},vat,declarant\n")


def state(tenant):
    """What a refused write must leave as it was."""
    return {
        "grants": list(Grant.objects.values_list("id", "ended_at")),
        "managers": list(AccessManager.objects.values_list("id", "ended_at")),
        "people": Person.objects.count(),
        "events": AuditEvent.objects.filter(action__startswith="companies.").count(),
    }


# --- The permission matrix, against the API -------------------------------------------------------

ACTORS = [
    "main",
    "finance_manager",
    "social_manager",
    "collaborator",
    "legal_rep",
    "other_manager",
    "anonymous",
]


def expect(main, finance, social, collaborator, legal_rep, other, anonymous=401):
    return dict(
        zip(ACTORS, (main, finance, social, collaborator, legal_rep, other, anonymous), strict=True)
    )


# Company-wide reads: every access manager and the legal representative; the other company's
# manager reads their own company.
READ = expect(200, 200, 200, 403, 200, 200)
# Reads of one of our objects: the other company's manager gets "not found", never 403.
READ_OBJECT = expect(200, 200, 200, 403, 200, 404)

# (name, method, path, body, expected per actor)
ENDPOINTS = [
    ("company", "get", lambda t: f"{API}/", None, READ),
    ("collaborators", "get", lambda t: f"{API}/collaborators/", None, READ),
    (
        "collaborator",
        "get",
        lambda t: f"{API}/collaborators/{t.collaborator.person_id}/",
        None,
        READ_OBJECT,
    ),
    ("grants", "get", lambda t: f"{API}/grants/?status=all", None, READ),
    ("grant", "get", lambda t: f"{API}/grants/{collaborator_grant(t).pk}/", None, READ_OBJECT),
    # A finance role: the main manager and the finance manager grant it; the other company's
    # manager grants it too, in their own company.
    (
        "grant_create",
        "post",
        lambda t: f"{API}/grants/",
        lambda t: {"national_number": NEWCOMER, "service": "vat", "role": "declarant"},
        expect(201, 201, 403, 403, 403, 201),
    ),
    # The collaborator's grant is a social-security role.
    (
        "grant_revoke",
        "post",
        lambda t: f"{API}/grants/{collaborator_grant(t).pk}/revoke/",
        None,
        expect(200, 403, 200, 403, 403, 404),
    ),
    ("managers", "get", lambda t: f"{API}/managers/", None, READ),
    (
        "manager_designate_co_domain",
        "post",
        lambda t: f"{API}/managers/",
        lambda t: {"national_number": NEWCOMER, "kind": "co_domain", "domain": "finance"},
        expect(201, 201, 403, 403, 403, 201),
    ),
    (
        "manager_designate_main",
        "post",
        lambda t: f"{API}/managers/",
        lambda t: {"national_number": NEWCOMER, "kind": "main"},
        expect(403, 403, 403, 403, 201, 403),
    ),
    # A domain manager's designation is ended by the main manager only.
    (
        "manager_end",
        "post",
        lambda t: f"{API}/managers/{finance_designation(t).pk}/end/",
        None,
        expect(200, 403, 403, 403, 403, 404),
    ),
    ("matrix", "get", lambda t: f"{API}/matrix/", None, READ),
    ("history", "get", lambda t: f"{API}/history/", None, READ),
    ("export", "get", lambda t: f"{API}/grants/export/", None, READ),
    # A dry run: the rows carry the engine's refusals, the request itself is allowed.
    (
        "import",
        "post",
        lambda t: f"{API}/grants/import/",
        lambda t: {"file": vat_row_file(), "dry_run": "true"},
        READ,
    ),
]


def send(client, method, path, body):
    if method == "get":
        return client.get(path)
    if body is not None and "file" in body:
        return client.post(path, body)  # multipart
    return client.post(path, body or {}, content_type="application/json")


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_company_api_answers_per_actor_when_permission_matrix_applied(
    api, tenant, actor_name, name, method, path, body, expected
):
    client = api(actor_name)
    response = send(client, method, path(tenant), body(tenant) if body else None)
    assert response.status_code == expected[actor_name], response.content
    if response.status_code == 403:
        # Refused for lack of authority, not for a missing company or a low session.
        assert response.json().get("code") not in ("no_acting_company", "step_up_required")


@pytest.mark.parametrize(
    ("name", "method", "path", "body"),
    [e[:4] for e in ENDPOINTS],
    ids=[e[0] for e in ENDPOINTS],
)
def test_company_api_refused_with_no_acting_company_when_acting_in_own_name(
    client_at, tenant, name, method, path, body
):
    client = client_at(tenant.main, "high")  # no company chosen in the session
    before = state(tenant)
    response = send(client, method, path(tenant), body(tenant) if body else None)
    assert response.status_code == 403
    assert response.json()["code"] == "no_acting_company"
    assert response.json()["detail"]
    assert state(tenant) == before


@pytest.mark.parametrize(
    ("name", "method", "path", "body"),
    [e[:4] for e in ENDPOINTS],
    ids=[e[0] for e in ENDPOINTS],
)
def test_company_api_asks_step_up_when_session_low(api, tenant, name, method, path, body):
    client = api("main", level="low")
    response = send(client, method, path(tenant), body(tenant) if body else None)
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert response.json()["required_assurance"] == "substantial"


WRITES = [e for e in ENDPOINTS if e[1] == "post"] + [
    (
        "import_apply",
        "post",
        lambda t: f"{API}/grants/import/",
        lambda t: {"file": vat_row_file(), "dry_run": "false"},
        None,
    )
]


@pytest.mark.parametrize(
    ("name", "method", "path", "body"),
    [w[:4] for w in WRITES],
    ids=[w[0] for w in WRITES],
)
def test_company_write_asks_step_up_to_high_when_session_substantial(
    client, tenant, name, method, path, body
):
    # The actor who is allowed each write at level high (see the matrix).
    user = tenant.legal_rep if name == "manager_designate_main" else tenant.main
    act_for(client, user, tenant.company, "substantial")
    before = state(tenant)
    response = send(client, method, path(tenant), body(tenant) if body else None)
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert response.json()["required_assurance"] == "high"
    assert state(tenant) == before


def test_company_read_allowed_when_session_substantial(api):
    response = api("main", level="substantial").get(f"{API}/grants/")
    assert response.status_code == 200


def test_company_api_answers_head_like_get_when_url_shared_by_operations(api):
    response = api("main").head(f"{API}/grants/")
    assert response.status_code == 200
    assert response.content == b""


def test_company_api_method_not_allowed_when_method_has_no_operation(api):
    response = api("main").put(f"{API}/grants/", {}, content_type="application/json")
    assert response.status_code == 405


# --- CSRF -----------------------------------------------------------------------------------------


def test_grant_create_refused_when_csrf_token_missing(tenant):
    client = act_for(Client(enforce_csrf_checks=True), tenant.main, tenant.company)
    before = state(tenant)
    response = client.post(
        f"{API}/grants/",
        {"national_number": NEWCOMER, "service": "vat", "role": "declarant"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert state(tenant) == before


def test_grant_create_accepted_when_csrf_token_sent(tenant):
    client = act_for(Client(enforce_csrf_checks=True), tenant.main, tenant.company)
    client.get("/")  # the home page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/grants/",
        {"national_number": NEWCOMER, "service": "vat", "role": "declarant"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


# --- The company ----------------------------------------------------------------------------------


def test_company_retrieve_shows_company_when_acting_for_it(api, tenant):
    body = api("main").get(f"{API}/").json()
    assert body["enterprise_number"] == tenant.company.enterprise_number
    assert body["name"] == "Brasserie A"
    assert body["legal_form"] == "SRL"
    assert body["status"] == "active"


def test_company_retrieve_lists_every_domain_when_main_manager(api):
    may = api("main").get(f"{API}/").json()["may"]
    assert may["designate_managers"]["allowed"] is True
    assert may["designate_main_manager"]["allowed"] is False
    assert {d["domain"]: d["allowed"] for d in may["domains"]} == {
        "finance": True,
        "social-security": True,
    }


def test_company_retrieve_limits_domains_when_domain_manager(api):
    may = api("finance_manager").get(f"{API}/").json()["may"]
    assert may["designate_managers"]["allowed"] is False
    assert {d["domain"]: d["allowed"] for d in may["domains"]} == {
        "finance": True,
        "social-security": False,
    }


def test_company_retrieve_marks_step_up_when_session_substantial(api):
    may = api("main", level="substantial").get(f"{API}/").json()["may"]
    finance = next(d for d in may["domains"] if d["domain"] == "finance")
    assert finance["allowed"] is False
    assert finance["step_up_required"] is True
    assert may["designate_main_manager"]["step_up_required"] is False
    assert may["designate_main_manager"]["reason"].startswith("Only a legal representative")


# --- Collaborators --------------------------------------------------------------------------------


def test_collaborator_list_masks_number_and_lists_roles_when_collaborator_has_grant(api, tenant):
    body = api("main").get(f"{API}/collaborators/").json()
    row = next(r for r in body["results"] if r["id"] == tenant.collaborator.person_id)
    number = tenant.collaborator.person.national_number
    assert row["masked_national_number"] == tenant.collaborator.person.masked_number
    assert number not in str(body)
    assert [(r["service"], r["role"]) for r in row["roles"]] == [("dmfa", "declarant")]


def test_collaborator_list_searches_names_when_search_given(api, tenant):
    other = GrantFactory(
        company=tenant.company, role=tenant.vat, person=PersonFactory(surname="Zimmermann")
    )
    body = api("main").get(f"{API}/collaborators/?search=zimmer").json()
    assert [r["id"] for r in body["results"]] == [other.person_id]


def test_collaborator_list_filters_by_domain_when_domain_given(api, tenant):
    GrantFactory(company=tenant.company, role=tenant.vat)
    body = api("main").get(f"{API}/collaborators/?domain=social-security").json()
    assert [r["id"] for r in body["results"]] == [tenant.collaborator.person_id]


def test_collaborator_list_shows_former_collaborators_when_include_ended(api, tenant):
    former = GrantFactory(company=tenant.company, role=tenant.vat, expired=True)
    client = api("main")
    current = client.get(f"{API}/collaborators/").json()
    everyone = client.get(f"{API}/collaborators/?include_ended=true").json()
    assert former.person_id not in [r["id"] for r in current["results"]]
    assert former.person_id in [r["id"] for r in everyone["results"]]


def test_collaborator_retrieve_lists_all_grants_when_tied(api, tenant):
    GrantFactory(
        company=tenant.company, person=tenant.collaborator.person, role=tenant.vat, expired=True
    )
    body = api("main").get(f"{API}/collaborators/{tenant.collaborator.person_id}/").json()
    assert body["masked_national_number"] == tenant.collaborator.person.masked_number
    assert sorted((g["service"], g["status"]) for g in body["grants"]) == [
        ("dmfa", "current"),
        ("vat", "ended"),
    ]


def test_collaborator_retrieve_not_found_when_person_not_tied(api, tenant):
    # The legal representative holds no grant or designation: not a collaborator.
    response = api("main").get(f"{API}/collaborators/{tenant.legal_rep.person_id}/")
    assert response.status_code == 404


def test_collaborator_retrieve_not_found_when_other_company_collaborator(api, tenant):
    outsider = GrantFactory(company=tenant.other_company, role=tenant.vat)
    response = api("main").get(f"{API}/collaborators/{outsider.person_id}/")
    assert response.status_code == 404


# --- Grants ---------------------------------------------------------------------------------------


def test_grant_list_shows_current_grants_when_status_not_given(api, tenant):
    GrantFactory(company=tenant.company, role=tenant.vat, expired=True)
    body = api("main").get(f"{API}/grants/").json()
    assert [g["id"] for g in body["results"]] == [collaborator_grant(tenant).pk]
    assert body["results"][0]["status"] == "current"


@pytest.mark.parametrize("wanted", ["future", "ended"])
def test_grant_list_filters_by_status_when_status_given(api, tenant, wanted):
    future = GrantFactory(company=tenant.company, role=tenant.vat, future=True)
    ended = GrantFactory(company=tenant.company, role=tenant.vat, expired=True)
    expected = {"future": future, "ended": ended}[wanted]
    body = api("main").get(f"{API}/grants/?status={wanted}").json()
    assert [(g["id"], g["status"]) for g in body["results"]] == [(expected.pk, wanted)]


def test_grant_list_filters_by_service_when_service_given(api, tenant):
    vat = GrantFactory(company=tenant.company, role=tenant.vat)
    body = api("main").get(f"{API}/grants/?service=vat").json()
    assert [g["id"] for g in body["results"]] == [vat.pk]


def test_grant_list_filters_by_person_when_person_given(api, tenant):
    GrantFactory(company=tenant.company, role=tenant.vat)
    body = api("main").get(f"{API}/grants/?person={tenant.collaborator.person_id}").json()
    assert [g["id"] for g in body["results"]] == [collaborator_grant(tenant).pk]


def test_grant_list_empty_when_person_is_other_company_collaborator(api, tenant):
    outsider = GrantFactory(company=tenant.other_company, role=tenant.vat)
    body = api("main").get(f"{API}/grants/?status=all&person={outsider.person_id}").json()
    assert body["count"] == 0


def test_grant_list_rejected_when_status_unknown(api):
    response = api("main").get(f"{API}/grants/?status=sometimes")
    assert response.status_code == 400
    assert "status" in response.json()


def test_grant_create_answers_201_with_grant_when_domain_manager_grants(api, tenant):
    response = api("finance_manager").post(
        f"{API}/grants/",
        {
            "national_number": NEWCOMER_DOTTED,
            "service": "vat",
            "role": "declarant",
            "valid_until": "2099-12-31",
            "for_clients": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    grant = Grant.objects.get(pk=body["id"])
    assert grant.company == tenant.company
    assert grant.person.national_number == NEWCOMER
    assert grant.for_clients is True
    assert grant.granted_by == tenant.finance_manager.person
    assert (body["service"], body["role"], body["status"]) == ("vat", "declarant", "current")
    assert body["valid_until"] == "2099-12-31"
    assert body["person"]["masked_national_number"] == "85.07.14-***.**"


def test_grant_create_lands_in_acting_company_when_manager_of_other_company(api, tenant):
    response = api("other_manager").post(
        f"{API}/grants/",
        {"national_number": NEWCOMER, "service": "vat", "role": "declarant"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Grant.objects.get(pk=response.json()["id"]).company == tenant.other_company


def _past() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


BAD_GRANTS = [
    ("checksum", {"national_number": "85071412428"}, "national_number"),
    ("number_missing", {"national_number": None}, "national_number"),
    ("number_letters", {"national_number": "abc"}, "national_number"),
    ("service_unknown", {"service": "tax-on-air"}, "service"),
    ("role_unknown", {"role": "emperor"}, "role"),
    ("until_before_from", {"valid_from": "2099-06-01", "valid_until": "2099-05-01"}, "valid_until"),
    ("from_in_past", {"valid_from": "PAST"}, "valid_from"),
    ("date_garbled", {"valid_from": "next tuesday"}, "valid_from"),
    ("for_clients_not_allowed", {"service": "dmfa", "for_clients": True}, "for_clients"),
    ("duplicate_active", {"national_number": "COLLABORATOR", "service": "dmfa"}, "role"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_GRANTS, ids=[c[0] for c in BAD_GRANTS])
def test_grant_create_rejected_with_field_message_when_input_bad(api, tenant, case, change, field):
    body = {"national_number": NEWCOMER, "service": "vat", "role": "declarant", **change}
    if body["national_number"] is None:
        del body["national_number"]
    elif body["national_number"] == "COLLABORATOR":
        body["national_number"] = tenant.collaborator.person.national_number
    if body.get("valid_from") == "PAST":
        body["valid_from"] = _past()
    client = api("main")
    before = state(tenant)
    response = client.post(f"{API}/grants/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert all(isinstance(m, str) and m for m in errors[field])
    assert state(tenant) == before


def test_grant_create_refused_with_engine_reason_when_role_outside_domain(api, tenant):
    before = state(tenant)
    response = api("finance_manager").post(
        f"{API}/grants/",
        {"national_number": NEWCOMER, "service": "dmfa", "role": "declarant"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "You are not an access manager of this company for this domain."
    )
    assert state(tenant) == before


def test_grant_retrieve_not_found_when_other_company_grant(api, tenant):
    theirs = GrantFactory(company=tenant.other_company, role=tenant.vat)
    client = api("main")
    response = client.get(f"{API}/grants/{theirs.pk}/")
    missing = client.get(f"{API}/grants/999999/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


def test_grant_revoke_ends_grant_when_manager_of_its_domain(api, tenant):
    grant = collaborator_grant(tenant)
    response = api("social_manager").post(f"{API}/grants/{grant.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    assert response.json()["end_reason"] == "revoked"
    grant.refresh_from_db()
    assert grant.ended_at is not None
    assert grant.ended_by == tenant.social_manager.person


def test_grant_revoke_conflict_when_ended_already(api, tenant):
    grant = collaborator_grant(tenant)
    client = api("main")
    client.post(f"{API}/grants/{grant.pk}/revoke/")
    grant.refresh_from_db()
    ended_at = grant.ended_at
    response = client.post(f"{API}/grants/{grant.pk}/revoke/")
    assert response.status_code == 409
    assert response.json()["detail"] == "This grant has ended already."
    grant.refresh_from_db()
    assert grant.ended_at == ended_at


def test_grant_revoke_not_found_when_other_company_grant(api, tenant):
    theirs = GrantFactory(company=tenant.other_company, role=tenant.vat)
    response = api("main").post(f"{API}/grants/{theirs.pk}/revoke/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


# --- Import and export ----------------------------------------------------------------------------


def test_grant_import_applies_every_row_when_file_valid(api, tenant):
    file = csv_file(
        "national_number;service;role;for_clients\n"
        f"{NEWCOMER};vat;declarant;yes\n"
        f"{tenant.collaborator.person.national_number};vat;declarant;no\n"
    )
    response = api("main").post(f"{API}/grants/import/", {"file": file, "dry_run": "false"})
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["applied"], body["file_errors"]) == (True, 2, [])
    assert [r["errors"] for r in body["rows"]] == [[], []]
    assert Grant.objects.filter(company=tenant.company, role=tenant.vat).count() == 2


def test_grant_import_applies_nothing_when_a_row_has_error(api, tenant):
    file = csv_file(
        "national_number,service,role\n"
        f"{NEWCOMER},vat,declarant\n"
        "85071412428,vat,declarant\n"  # wrong check digits
    )
    before = state(tenant)
    response = api("main").post(f"{API}/grants/import/", {"file": file, "dry_run": "false"})
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["applied"]) == (False, 0)
    assert [(r["line"], bool(r["errors"])) for r in body["rows"]] == [(2, False), (3, True)]
    assert state(tenant) == before


def test_grant_import_applies_nothing_when_dry_run(api, tenant):
    before = state(tenant)
    response = api("main").post(
        f"{API}/grants/import/", {"file": vat_row_file(), "dry_run": "true"}
    )
    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["applied"]) == (True, 0)
    assert state(tenant) == before


def test_grant_import_reports_engine_refusal_per_row_when_role_outside_domain(api, tenant):
    response = api("social_manager").post(
        f"{API}/grants/import/", {"file": vat_row_file(), "dry_run": "false"}
    )
    body = response.json()
    assert (body["ok"], body["applied"]) == (False, 0)
    assert body["rows"][0]["errors"] == [
        "You are not an access manager of this company for this domain."
    ]


def test_grant_import_rejected_when_file_too_large(api, tenant):
    header = "national_number,service,role\n"
    big = csv_file(header + f"{NEWCOMER},vat,declarant\n" * (MAX_IMPORT_BYTES // 20))
    before = state(tenant)
    response = api("main").post(f"{API}/grants/import/", {"file": big, "dry_run": "false"})
    assert response.status_code == 400
    assert "too large" in response.json()["file"][0]
    assert state(tenant) == before


def test_grant_import_rejected_when_file_missing(api):
    response = api("main").post(f"{API}/grants/import/", {"dry_run": "true"})
    assert response.status_code == 400
    assert "file" in response.json()


def test_grant_export_answers_csv_of_company_grants_when_requested(api, tenant):
    GrantFactory(company=tenant.other_company, role=tenant.vat)
    response = api("main").get(f"{API}/grants/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["national_number", "surname", "given_names"]
    assert [(r[0], r[3], r[-1]) for r in rows[1:]] == [
        (tenant.collaborator.person.national_number, "dmfa", "current")
    ]


def test_grant_export_answers_csv_when_client_accepts_only_csv(api):
    response = api("main").get(f"{API}/grants/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


# --- Access managers ------------------------------------------------------------------------------


def test_manager_list_shows_current_designations_when_include_ended_not_given(api, tenant):
    body = api("main").get(f"{API}/managers/").json()
    assert sorted((m["kind"], m["domain"]) for m in body["results"]) == [
        ("domain", "finance"),
        ("domain", "social-security"),
        ("main", None),
    ]


def test_manager_list_shows_ended_designations_when_include_ended(api, tenant):
    designation = finance_designation(tenant)
    designation.ended_at = timezone.now()
    designation.save(update_fields=["ended_at"])
    client = api("main")
    current = client.get(f"{API}/managers/").json()
    everything = client.get(f"{API}/managers/?include_ended=true").json()
    assert designation.pk not in [m["id"] for m in current["results"]]
    ended = next(m for m in everything["results"] if m["id"] == designation.pk)
    assert ended["status"] == "ended"


def test_manager_designate_answers_201_when_main_manager_designates(api, tenant):
    response = api("main").post(
        f"{API}/managers/",
        {"national_number": NEWCOMER, "kind": "domain", "domain": "finance"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["domain"], body["status"]) == ("domain", "finance", "current")
    designation = AccessManager.objects.get(pk=body["id"])
    assert designation.company == tenant.company
    assert designation.designated_by == tenant.main.person


BAD_DESIGNATIONS = [
    ("kind_unknown", {"kind": "emperor"}, "kind"),
    ("domain_unknown", {"domain": "astrology"}, "domain"),
    ("domain_missing", {"domain": None}, "domain"),
    ("domain_for_main_kind", {"kind": "co_main"}, "domain"),
    ("number_bad", {"national_number": "12345"}, "national_number"),
    ("until_before_from", {"valid_from": "2099-06-01", "valid_until": "2099-05-01"}, "valid_until"),
]


@pytest.mark.parametrize(
    ("case", "change", "field"), BAD_DESIGNATIONS, ids=[c[0] for c in BAD_DESIGNATIONS]
)
def test_manager_designate_rejected_with_field_message_when_input_bad(
    api, tenant, case, change, field
):
    body = {"national_number": NEWCOMER, "kind": "domain", "domain": "finance", **change}
    client = api("main")
    before = state(tenant)
    response = client.post(f"{API}/managers/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert state(tenant) == before


def test_manager_end_ends_designation_when_main_manager(api, tenant):
    designation = finance_designation(tenant)
    response = api("main").post(f"{API}/managers/{designation.pk}/end/")
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    designation.refresh_from_db()
    assert designation.ended_by == tenant.main.person


def test_manager_end_conflict_when_ended_already(api, tenant):
    designation = finance_designation(tenant)
    client = api("main")
    client.post(f"{API}/managers/{designation.pk}/end/")
    response = client.post(f"{API}/managers/{designation.pk}/end/")
    assert response.status_code == 409
    assert response.json()["detail"] == "This designation has ended already."


def test_manager_end_not_found_when_other_company_designation(api, tenant):
    theirs = AccessManager.objects.get(company=tenant.other_company)
    response = api("main").post(f"{API}/managers/{theirs.pk}/end/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


# --- Matrix and history ---------------------------------------------------------------------------


def test_matrix_puts_role_codes_under_their_service_when_several_held(api, tenant):
    both = GrantFactory(company=tenant.company, role=tenant.vat).person
    GrantFactory(company=tenant.company, person=both, role=tenant.dmfa)
    body = api("main").get(f"{API}/matrix/").json()
    columns = [s["code"] for s in body["services"]]
    rows = {r["person"]["id"]: r["cells"] for r in body["results"]}
    assert sorted(columns) == ["dmfa", "vat"]
    assert body["count"] == 2
    cells = dict(zip(columns, rows[both.pk], strict=True))
    assert [c["role"] for c in cells["vat"]] == ["declarant"]
    assert [c["role"] for c in cells["dmfa"]] == ["declarant"]
    collaborator = dict(zip(columns, rows[tenant.collaborator.person_id], strict=True))
    assert collaborator["vat"] == []


def test_matrix_pages_collaborators_when_limit_given(api, tenant):
    for _ in range(3):
        GrantFactory(company=tenant.company, role=tenant.vat)
    body = api("main").get(f"{API}/matrix/?limit=2&offset=2").json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"] is None
    assert body["previous"] is not None


def test_history_shows_before_and_after_when_grant_revoked(api, tenant):
    grant = collaborator_grant(tenant)
    client = api("main")
    client.post(f"{API}/grants/{grant.pk}/revoke/")
    body = client.get(f"{API}/history/?action=companies.grant").json()
    event = body["results"][0]
    assert event["action"] == "companies.grant_revoked"
    assert event["actor_label"] == tenant.main.username
    assert event["object_id"] == str(grant.pk)
    assert event["data"]["before"]["ended_at"] is None
    assert event["data"]["after"]["end_reason"] == "revoked"
    assert event["at"]


# --- Company B's rows are invisible to company A --------------------------------------------------


@pytest.fixture
def company_b_rows(tenant):
    """Each company makes a grant through the service (so each has a collaborator, a grant and
    an audit event of its own); returns company B's grant."""
    grant_create(
        actor=acting(tenant.main, tenant.company),
        tenant=tenant.company,
        national_number=NEWCOMER,
        role=tenant.vat,
    )
    return grant_create(
        actor=acting(tenant.other_manager, tenant.other_company),
        tenant=tenant.other_company,
        national_number=OUTSIDER,
        role=tenant.vat,
    )


def _other_company_history(tenant):
    return list(
        AuditEvent.objects.filter(tenant_id=tenant.other_company.pk).values_list("id", flat=True)
    )


# (list, path, the ids a page shows, company B's ids that must not be among them)
ISOLATION = [
    (
        "collaborators",
        f"{API}/collaborators/?include_ended=true",
        lambda body: [r["id"] for r in body["results"]],
        lambda t, b_grant: [t.other_manager.person_id, b_grant.person_id],
    ),
    (
        "grants",
        f"{API}/grants/?status=all",
        lambda body: [r["id"] for r in body["results"]],
        lambda t, b_grant: [b_grant.pk],
    ),
    (
        "matrix",
        f"{API}/matrix/",
        lambda body: [r["person"]["id"] for r in body["results"]],
        lambda t, b_grant: [b_grant.person_id],
    ),
    (
        "managers",
        f"{API}/managers/?include_ended=true",
        lambda body: [r["id"] for r in body["results"]],
        lambda t, b_grant: [AccessManager.objects.get(company=t.other_company).pk],
    ),
    (
        "history",
        f"{API}/history/",
        lambda body: [r["id"] for r in body["results"]],
        lambda t, b_grant: _other_company_history(t),
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "shown", "theirs"), ISOLATION, ids=[i[0] for i in ISOLATION]
)
def test_company_list_hides_other_company_rows_when_both_have_rows(
    api, tenant, company_b_rows, name, path, shown, theirs
):
    body = api("main").get(path).json()
    ids = shown(body)
    hidden = theirs(tenant, company_b_rows)
    assert ids, "company A has rows of its own"
    assert hidden, "company B has rows of its own"
    assert not set(ids) & set(hidden)


def test_grant_export_hides_other_company_rows_when_both_have_rows(api, tenant, company_b_rows):
    content = api("main").get(f"{API}/grants/export/").content.decode()
    assert NEWCOMER in content
    assert OUTSIDER not in content


# --- Query counts stay bounded with many rows -----------------------------------------------------

MANY = 30
# Nine per request (session, account, person, acting company and the re-check of its ties, the
# engine's view check), then the list itself: a count, a page, at most two prefetches. The same
# whatever the number of rows.
MAX_QUERIES = 13


@pytest.fixture
def many_collaborators(tenant):
    for _ in range(MANY):
        person = PersonFactory()
        GrantFactory(company=tenant.company, person=person, role=tenant.vat)
        GrantFactory(company=tenant.company, person=person, role=tenant.dmfa)
    for n in range(MANY):
        audit_record(action="companies.test_event", tenant_id=tenant.company.pk, object_id=n)


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/collaborators/",
        f"{API}/grants/?status=all",
        f"{API}/matrix/",
        f"{API}/history/",
        f"{API}/managers/",
    ],
)
def test_company_list_query_count_bounded_when_many_rows(
    api, many_collaborators, django_assert_max_num_queries, path
):
    client = api("main")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 3
