"""The access manager's web pages: who may open what, refused input, step-up, bounded queries."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from companies.models import AccessManager, AccessManagerKind, EndReason, Grant
from companies.services.imports import MAX_IMPORT_BYTES
from csam.authz.services import SESSION_KEY as ACTING_KEY
from tests.factories.companies import GrantFactory, RoleFactory, ServiceFactory
from tests.factories.identity import PersonFactory

pytestmark = pytest.mark.django_db
NEWCOMER = "85071412429"
LOGIN = "/accounts/login/"
STEP_UP = "/accounts/step-up/"


@pytest.fixture
def as_actor(client, client_at, tenant):
    """A client logged in as one of the tenant fixture's people, acting for their company (the
    other company's manager acts for the other company)."""

    def make(actor_name, level="high"):
        if actor_name == "anonymous":
            return client
        c = client_at(getattr(tenant, actor_name), level)
        company = tenant.other_company if actor_name == "other_manager" else tenant.company
        session = c.session
        session[ACTING_KEY] = company.pk
        session.save()
        return c

    return make


@pytest.fixture
def collaborator_grant(tenant):
    return Grant.objects.get(company=tenant.company, person=tenant.collaborator.person)


@pytest.fixture
def finance_designation(tenant):
    return AccessManager.objects.get(company=tenant.company, person=tenant.finance_manager.person)


def _open_grants(tenant, role=None):
    grants = Grant.objects.filter(company=tenant.company, ended_at__isnull=True)
    return grants.filter(role=role) if role is not None else grants


# --- The permission matrix over every page -------------------------------------------------------

ACTORS = [
    "main",
    "finance_manager",
    "social_manager",
    "collaborator",
    "legal_rep",
    "other_manager",
    "anonymous",
]
VIEWERS = {"main": 200, "finance_manager": 200, "social_manager": 200, "legal_rep": 200}
# Pages about the acting company as a whole: the other company's manager sees their own.
COMPANY_PAGE = {**VIEWERS, "collaborator": 403, "other_manager": 200, "anonymous": LOGIN}
# Pages about one of our company's objects: the other company's manager does not find it.
OBJECT_PAGE = {**VIEWERS, "collaborator": 403, "other_manager": 404, "anonymous": LOGIN}


def _cases():
    # (name, method, url, data, expected by actor); urls are built from the fixtures.
    return [
        ("dashboard", "get", "/company/", None, COMPANY_PAGE),
        ("collaborators", "get", "/company/collaborators/", None, COMPANY_PAGE),
        ("matrix", "get", "/company/matrix/", None, COMPANY_PAGE),
        ("history", "get", "/company/history/", None, COMPANY_PAGE),
        ("managers", "get", "/company/managers/", None, COMPANY_PAGE),
        ("export", "get", "/company/export.csv", None, COMPANY_PAGE),
        ("import", "get", "/company/import/", None, COMPANY_PAGE),
        ("grant_form", "get", "/company/grants/new/", None, COMPANY_PAGE),
        ("collaborator", "get", "/company/collaborators/{person}/", None, OBJECT_PAGE),
        ("grant_form_for", "get", "/company/grants/new/?person={person}", None, OBJECT_PAGE),
        (
            "grant_create",
            "post",
            "/company/grants/new/",
            {"national_number": NEWCOMER, "role": "{vat}"},
            {
                "main": 302,
                "finance_manager": 302,
                "social_manager": 403,
                "legal_rep": 403,
                "collaborator": 403,
                "other_manager": 302,  # a grant in their own company
                "anonymous": LOGIN,
            },
        ),
        (
            "revoke_page",
            "get",
            "/company/grants/{grant}/revoke/",
            None,
            {**OBJECT_PAGE, "finance_manager": 403, "legal_rep": 403},
        ),
        (
            "revoke",
            "post",
            "/company/grants/{grant}/revoke/",
            {"confirm": "yes"},
            {
                **OBJECT_PAGE,
                "main": 302,
                "social_manager": 302,
                "finance_manager": 403,
                "legal_rep": 403,
            },
        ),
        (
            "designate",
            "post",
            "/company/managers/designate/",
            {"national_number": NEWCOMER, "kind": "domain", "domain": "{finance}"},
            {
                "main": 302,
                "finance_manager": 403,
                "social_manager": 403,
                "legal_rep": 403,
                "collaborator": 403,
                "other_manager": 302,  # a designation in their own company
                "anonymous": LOGIN,
            },
        ),
        (
            "end_page",
            "get",
            "/company/managers/{designation}/end/",
            None,
            {**OBJECT_PAGE, "finance_manager": 403, "social_manager": 403, "legal_rep": 403},
        ),
        (
            "end",
            "post",
            "/company/managers/{designation}/end/",
            {"confirm": "yes"},
            {
                **OBJECT_PAGE,
                "main": 302,
                "finance_manager": 403,
                "social_manager": 403,
                "legal_rep": 403,
            },
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize(
    ("page", "method", "url", "data", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_company_pages_permission_matrix(
    as_actor,
    tenant,
    collaborator_grant,
    finance_designation,
    actor_name,
    page,
    method,
    url,
    data,
    expected,
):
    values = {
        "person": tenant.collaborator.person_id,
        "grant": collaborator_grant.pk,
        "designation": finance_designation.pk,
        "vat": tenant.vat.pk,
        "finance": tenant.finance.pk,
    }
    url = url.format(**values)
    data = {k: v.format(**values) for k, v in (data or {}).items()}
    c = as_actor(actor_name)

    response = c.get(url) if method == "get" else c.post(url, data)

    want = expected[actor_name]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == want, response.content[:2000]
        if want == 302:
            assert not response["Location"].startswith((LOGIN, STEP_UP, "/acting/"))


def test_company_page_forbidden_shows_engine_reason_when_not_access_manager(as_actor):
    response = as_actor("collaborator").get("/company/collaborators/")

    assert response.status_code == 403
    assert "Only the company&#x27;s access managers can see this." in response.content.decode()


def test_company_page_redirects_to_acting_choice_when_acting_for_self(client_at, tenant):
    c = client_at(tenant.main, "high")

    response = c.get("/company/collaborators/")

    assert response.status_code == 302
    assert response["Location"].startswith("/acting/?next=%2Fcompany%2Fcollaborators%2F")


def test_company_page_asks_step_up_when_session_low(as_actor):
    response = as_actor("main", "low").get("/company/")

    assert response.status_code == 302
    assert response["Location"].startswith(STEP_UP + "?level=substantial")


# --- Dashboard ------------------------------------------------------------------------------------


def test_dashboard_shows_company_counts_and_capacities_when_main_manager(as_actor, tenant):
    response = as_actor("main").get("/company/")

    content = response.content.decode()
    assert tenant.company.name in content
    assert tenant.company.formatted_number in content
    assert response.context["collaborator_count"] == 1
    assert response.context["grant_count"] == 1
    assert response.context["manager_count"] == 3
    assert "Main access manager: you give and revoke roles in every domain" in content


def test_dashboard_shows_legal_representation_when_legal_representative(as_actor):
    response = as_actor("legal_rep").get("/company/")

    assert "Legal representative (Director): you designate the main access manager." in (
        response.content.decode()
    )


# --- Collaborators --------------------------------------------------------------------------------


def test_collaborator_list_finds_by_national_number_when_searched(as_actor, tenant):
    other = GrantFactory(company=tenant.company, role=tenant.vat).person
    number = tenant.collaborator.person.national_number
    dotted = f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}"

    response = as_actor("main").get("/company/collaborators/", {"q": dotted})

    people = [row["person"] for row in response.context["rows"]]
    assert people == [tenant.collaborator.person]
    assert other not in people


def test_collaborator_list_masks_national_numbers_when_listed(as_actor, tenant):
    response = as_actor("main").get("/company/collaborators/")

    content = response.content.decode()
    assert tenant.collaborator.person.masked_number in content
    assert tenant.collaborator.person.national_number not in content


def test_collaborator_list_filters_by_service_when_chosen(as_actor, tenant):
    vat_holder = GrantFactory(company=tenant.company, role=tenant.vat).person

    response = as_actor("main").get("/company/collaborators/", {"service": "vat"})

    assert [row["person"] for row in response.context["rows"]] == [vat_holder]


def test_collaborator_list_shows_ended_roles_only_when_asked(as_actor, tenant):
    ended = GrantFactory(company=tenant.company, role=tenant.vat, expired=True).person
    c = as_actor("main")

    without = c.get("/company/collaborators/")
    with_ended = c.get("/company/collaborators/", {"include_ended": "on"})

    assert ended not in [row["person"] for row in without.context["rows"]]
    assert ended in [row["person"] for row in with_ended.context["rows"]]


def test_collaborator_list_hides_other_company_people_when_listed(as_actor, tenant):
    outsider = GrantFactory(company=tenant.other_company, role=tenant.vat).person

    response = as_actor("main").get("/company/collaborators/")

    assert outsider not in [row["person"] for row in response.context["rows"]]


def test_collaborator_list_page_links_keep_filters_when_paginated(as_actor, tenant):
    for _ in range(30):
        GrantFactory(company=tenant.company, role=tenant.vat)

    response = as_actor("main").get("/company/collaborators/", {"service": "vat"})

    assert response.context["page"].paginator.num_pages == 2
    assert len(response.context["rows"]) == 25
    assert "?service=vat&amp;page=2" in response.content.decode()


def test_collaborator_detail_offers_revoke_when_domain_managed(as_actor, collaborator_grant):
    response = as_actor("social_manager").get(
        f"/company/collaborators/{collaborator_grant.person_id}/"
    )

    assert f"/company/grants/{collaborator_grant.pk}/revoke/" in response.content.decode()


def test_collaborator_detail_hides_revoke_when_domain_not_managed(as_actor, collaborator_grant):
    response = as_actor("finance_manager").get(
        f"/company/collaborators/{collaborator_grant.person_id}/"
    )

    assert response.status_code == 200
    assert f"/company/grants/{collaborator_grant.pk}/revoke/" not in response.content.decode()


def test_collaborator_detail_lists_ended_grant_with_reason_and_who(as_actor, tenant):
    grant = GrantFactory(
        company=tenant.company,
        person=tenant.collaborator.person,
        role=tenant.vat,
        ended_at=timezone.now(),
        end_reason=EndReason.REVOKED,
        ended_by=tenant.main.person,
    )

    response = as_actor("main").get(f"/company/collaborators/{grant.person_id}/")

    [ended] = response.context["ended"]
    assert ended["grant"] == grant
    assert ended["status"] == "revoked"
    assert str(tenant.main.person) in response.content.decode()


# --- Granting -------------------------------------------------------------------------------------


def test_grant_form_offers_only_roles_of_managed_domains_when_domain_manager(as_actor, tenant):
    response = as_actor("finance_manager").get("/company/grants/new/")

    offered = [
        value
        for _group, options in response.context["form"].fields["role"].widget.choices[1:]
        for value, _label in options
    ]
    assert offered == [tenant.vat.pk]


def test_grant_create_saves_grant_and_redirects_to_collaborator_when_valid(as_actor, tenant):
    until = timezone.localdate() + dt.timedelta(days=30)

    response = as_actor("finance_manager").post(
        "/company/grants/new/",
        {"national_number": "85.07.14-124.29", "role": tenant.vat.pk, "valid_until": until},
    )

    grant = _open_grants(tenant, tenant.vat).get()
    assert grant.person.national_number == NEWCOMER
    assert grant.valid_until == until
    assert grant.granted_by == tenant.finance_manager.person
    assert response["Location"] == f"/company/collaborators/{grant.person_id}/"


def test_grant_create_uses_chosen_collaborator_when_person_given(as_actor, tenant):
    person = tenant.collaborator.person

    response = as_actor("main").post(
        f"/company/grants/new/?person={person.pk}", {"role": tenant.vat.pk}
    )

    assert response.status_code == 302
    assert _open_grants(tenant, tenant.vat).get().person == person


def test_grant_create_refused_when_national_number_invalid(as_actor, tenant):
    response = as_actor("main").post(
        "/company/grants/new/", {"national_number": "85071412428", "role": tenant.vat.pk}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["national_number"]
    assert 'role="alert"' in response.content.decode()
    assert not _open_grants(tenant, tenant.vat).exists()


def test_grant_create_refused_when_until_before_from(as_actor, tenant):
    today = timezone.localdate()

    response = as_actor("main").post(
        "/company/grants/new/",
        {
            "national_number": NEWCOMER,
            "role": tenant.vat.pk,
            "valid_from": today + dt.timedelta(days=10),
            "valid_until": today + dt.timedelta(days=5),
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["valid_until"] == [
        "The end date cannot be before the start date."
    ]
    assert not _open_grants(tenant, tenant.vat).exists()


def test_grant_create_errors_in_users_language_when_french(as_actor, tenant):
    today = timezone.localdate()
    c = as_actor("main")
    c.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    response = c.post(
        "/company/grants/new/",
        {
            "national_number": NEWCOMER,
            "role": tenant.vat.pk,
            "valid_from": today + dt.timedelta(days=10),
            "valid_until": today + dt.timedelta(days=5),
        },
    )

    assert response.context["form"].errors["valid_until"] == [
        "La date de fin ne peut pas être antérieure à la date de début."
    ]


def test_grant_create_refused_when_role_outside_managers_domain(as_actor, tenant):
    response = as_actor("finance_manager").post(
        "/company/grants/new/", {"national_number": NEWCOMER, "role": tenant.dmfa.pk}
    )

    assert response.status_code == 403
    assert "You are not an access manager of this company for this domain." in (
        response.content.decode()
    )
    assert not Grant.objects.filter(person__national_number=NEWCOMER).exists()


def test_grant_create_refused_when_collaborator_already_holds_role(as_actor, tenant):
    response = as_actor("main").post(
        "/company/grants/new/",
        {"national_number": tenant.collaborator.person.national_number, "role": tenant.dmfa.pk},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["role"] == [
        "This collaborator already holds this role in this company."
    ]
    assert _open_grants(tenant, tenant.dmfa).count() == 1


def test_grant_create_asks_step_up_when_session_substantial(as_actor, tenant):
    response = as_actor("main", "substantial").post(
        "/company/grants/new/", {"national_number": NEWCOMER, "role": tenant.vat.pk}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(STEP_UP + "?level=high")
    assert not _open_grants(tenant, tenant.vat).exists()


def test_grant_form_for_person_404_when_person_of_other_company(as_actor, tenant):
    outsider = GrantFactory(company=tenant.other_company, role=tenant.vat).person

    response = as_actor("main").get(f"/company/grants/new/?person={outsider.pk}")

    assert response.status_code == 404


# --- Revoking -------------------------------------------------------------------------------------


def test_grant_revoke_page_changes_nothing_when_only_opened(as_actor, collaborator_grant):
    response = as_actor("main").get(f"/company/grants/{collaborator_grant.pk}/revoke/")

    assert response.status_code == 200
    assert "Yes, revoke this role" in response.content.decode()
    collaborator_grant.refresh_from_db()
    assert collaborator_grant.ended_at is None


def test_grant_revoke_refused_when_not_confirmed(as_actor, collaborator_grant):
    response = as_actor("main").post(f"/company/grants/{collaborator_grant.pk}/revoke/", {})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    collaborator_grant.refresh_from_db()
    assert collaborator_grant.ended_at is None


def test_grant_revoke_ends_grant_when_confirmed(as_actor, tenant, collaborator_grant):
    response = as_actor("social_manager").post(
        f"/company/grants/{collaborator_grant.pk}/revoke/", {"confirm": "yes"}
    )

    collaborator_grant.refresh_from_db()
    assert collaborator_grant.end_reason == EndReason.REVOKED
    assert collaborator_grant.ended_by == tenant.social_manager.person
    assert response["Location"] == f"/company/collaborators/{collaborator_grant.person_id}/"


def test_grant_revoke_shows_message_when_grant_ended_already(as_actor, collaborator_grant):
    c = as_actor("main")
    url = f"/company/grants/{collaborator_grant.pk}/revoke/"
    c.post(url, {"confirm": "yes"})

    response = c.post(url, {"confirm": "yes"}, follow=True)

    assert "This grant has ended already." in response.content.decode()


def test_grant_revoke_asks_step_up_when_session_substantial(as_actor, collaborator_grant):
    response = as_actor("main", "substantial").post(
        f"/company/grants/{collaborator_grant.pk}/revoke/", {"confirm": "yes"}
    )

    assert response["Location"].startswith(STEP_UP + "?level=high")
    collaborator_grant.refresh_from_db()
    assert collaborator_grant.ended_at is None


# --- Access managers ------------------------------------------------------------------------------


def test_manager_list_shows_designations_and_legal_representatives(as_actor, tenant):
    response = as_actor("legal_rep").get("/company/managers/")

    content = response.content.decode()
    assert str(tenant.finance_manager.person) in content
    assert str(tenant.legal_rep.person) in content
    assert [k for k, _label in response.context["form"].fields["kind"].widget.choices] == ["main"]


def test_designate_saves_domain_manager_when_main_manager(as_actor, tenant):
    response = as_actor("main").post(
        "/company/managers/designate/",
        {"national_number": NEWCOMER, "kind": "domain", "domain": tenant.finance.pk},
    )

    assert response["Location"] == "/company/managers/"
    assert AccessManager.objects.filter(
        company=tenant.company,
        person__national_number=NEWCOMER,
        kind=AccessManagerKind.DOMAIN,
        domain=tenant.finance,
    ).exists()


def test_designate_refused_when_domain_missing_for_domain_kind(as_actor, tenant):
    response = as_actor("main").post(
        "/company/managers/designate/", {"national_number": NEWCOMER, "kind": "domain"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["domain"] == ["Choose the domain this manager manages."]
    assert not AccessManager.objects.filter(person__national_number=NEWCOMER).exists()


def test_designate_refused_with_reason_when_not_main_manager(as_actor, tenant):
    response = as_actor("finance_manager").post(
        "/company/managers/designate/",
        {"national_number": NEWCOMER, "kind": "domain", "domain": tenant.social.pk},
    )

    assert response.status_code == 403
    assert "Only the main access manager can designate access managers." in (
        response.content.decode()
    )
    assert not AccessManager.objects.filter(person__national_number=NEWCOMER).exists()


def test_designate_asks_step_up_when_session_substantial(as_actor, tenant):
    response = as_actor("main", "substantial").post(
        "/company/managers/designate/",
        {"national_number": NEWCOMER, "kind": "domain", "domain": tenant.finance.pk},
    )

    assert response["Location"].startswith(STEP_UP + "?level=high")
    assert not AccessManager.objects.filter(person__national_number=NEWCOMER).exists()


def test_manager_end_ends_designation_when_confirmed(as_actor, finance_designation):
    response = as_actor("main").post(
        f"/company/managers/{finance_designation.pk}/end/", {"confirm": "yes"}
    )

    assert response["Location"] == "/company/managers/"
    finance_designation.refresh_from_db()
    assert finance_designation.end_reason == EndReason.REVOKED


def test_manager_end_refused_when_not_confirmed(as_actor, finance_designation):
    response = as_actor("main").post(f"/company/managers/{finance_designation.pk}/end/", {})

    assert response.status_code == 400
    finance_designation.refresh_from_db()
    assert finance_designation.ended_at is None


# --- Matrix and history ---------------------------------------------------------------------------


def test_matrix_shows_role_in_service_column_and_announces_empty_cells(as_actor, tenant):
    GrantFactory(company=tenant.company, role=tenant.vat)

    response = as_actor("main").get("/company/matrix/")

    matrix = response.context["matrix"]
    assert [s.code for s in matrix.services] == sorted(["dmfa", "vat"], key=lambda c: c.title())
    content = response.content.decode()
    assert tenant.dmfa.name in content
    assert content.count('class="visually-hidden">no role</span>') == 2


def test_history_shows_readable_grant_event_when_role_granted(as_actor, tenant):
    c = as_actor("main")
    c.post("/company/grants/new/", {"national_number": NEWCOMER, "role": tenant.vat.pk})

    response = c.get("/company/history/")

    [first, *_rest] = response.context["rows"]
    assert str(first["label"]) == "Role granted"
    assert first["event"].actor_label == tenant.main.username
    values = {str(change["label"]): change["after"] for change in first["changes"]}
    assert values["Service"] == "vat"
    assert values["Role"] == "declarant"


def test_history_hides_other_company_events(as_actor, tenant):
    as_actor("other_manager").post(
        "/company/grants/new/", {"national_number": NEWCOMER, "role": tenant.vat.pk}
    )

    response = as_actor("main").get("/company/history/")

    assert all(row["event"].tenant_id == tenant.company.pk for row in response.context["rows"])
    assert "Role granted" not in [str(row["label"]) for row in response.context["rows"]]


# --- Bounded queries ------------------------------------------------------------------------------


@pytest.fixture
def eco(tenant):
    return RoleFactory(service=ServiceFactory(code="eco", domain=tenant.finance), code="viewer")


def _populate(tenant, count, second_role):
    """``count`` more collaborators, each with a role on two services."""
    for _ in range(count):
        person = PersonFactory()
        GrantFactory(company=tenant.company, person=person, role=tenant.vat)
        GrantFactory(company=tenant.company, person=person, role=second_role)


def _queries(c, url):
    with CaptureQueriesContext(connection) as queries:
        response = c.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/company/collaborators/", "/company/matrix/"])
def test_list_pages_query_count_does_not_grow_with_rows(
    as_actor, tenant, eco, url, django_assert_max_num_queries
):
    c = as_actor("main")
    _populate(tenant, 3, eco)
    few = _queries(c, url)
    _populate(tenant, 27, eco)

    with django_assert_max_num_queries(few):
        response = c.get(url)

    assert len(response.context["page"].object_list) == 25


def test_history_query_count_does_not_grow_with_rows(
    as_actor, tenant, django_assert_max_num_queries
):
    c = as_actor("main")
    for _ in range(3):
        c.post(
            "/company/grants/new/",
            {"national_number": PersonFactory().national_number, "role": tenant.vat.pk},
        )
    few = _queries(c, "/company/history/")
    for _ in range(27):
        c.post(
            "/company/grants/new/",
            {"national_number": PersonFactory().national_number, "role": tenant.vat.pk},
        )

    with django_assert_max_num_queries(few):
        response = c.get("/company/history/")

    assert len(response.context["rows"]) == 25


# --- CSV import and export ------------------------------------------------------------------------


def _csv(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("grants.csv", text.encode(), content_type="text/csv")


def test_import_preview_lists_row_errors_and_grants_nothing_when_rows_bad(as_actor, tenant):
    content = (
        "national_number,service,role\n"
        f"{NEWCOMER},vat,declarant\n"
        "12345678901,vat,declarant\n"
        f"{NEWCOMER},nope,declarant\n"
    )

    response = as_actor("main").post("/company/import/", {"file": _csv(content)})

    assert response.status_code == 400
    rows = response.context["rows"]
    assert [bool(row["errors"]) for row in rows] == [False, True, True]
    assert "Unknown service or role: nope / declarant" in response.content.decode()
    assert response.context["apply_form"] is None
    assert not _open_grants(tenant, tenant.vat).exists()


def test_import_refused_when_columns_wrong(as_actor, tenant):
    response = as_actor("main").post(
        "/company/import/", {"file": _csv("number,service\n85071412429,vat\n")}
    )

    assert response.status_code == 400
    [error] = response.context["result"].file_errors
    assert error.startswith("Wrong columns.")
    assert "Missing: national_number, role" in error


def test_import_refused_when_file_too_large(as_actor, tenant):
    content = "national_number,service,role\n" + "x" * MAX_IMPORT_BYTES

    response = as_actor("main").post("/company/import/", {"file": _csv(content)})

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The file is too large (at most 1024 KiB)."]
    assert "csam_grant_import" not in as_actor("main").session


def test_import_grants_all_rows_when_applied_after_preview(as_actor, tenant):
    c = as_actor("main")
    second = PersonFactory().national_number
    preview = c.post(
        "/company/import/",
        {
            "file": _csv(
                f"national_number;service;role\n{NEWCOMER};vat;declarant\n{second};vat;declarant\n"
            )
        },
    )
    token = preview.context["apply_form"].initial["token"]
    assert not _open_grants(tenant, tenant.vat).exists()

    response = c.post("/company/import/apply/", {"token": token})

    assert response["Location"] == "/company/collaborators/"
    assert _open_grants(tenant, tenant.vat).count() == 2


def test_import_apply_refused_when_token_wrong(as_actor, tenant):
    c = as_actor("main")
    c.post(
        "/company/import/",
        {"file": _csv(f"national_number,service,role\n{NEWCOMER},vat,declarant\n")},
    )

    response = c.post("/company/import/apply/", {"token": "forged"}, follow=True)

    assert "This import is no longer available" in response.content.decode()
    assert not _open_grants(tenant, tenant.vat).exists()


def test_import_apply_refused_when_applied_twice(as_actor, tenant):
    c = as_actor("main")
    preview = c.post(
        "/company/import/",
        {"file": _csv(f"national_number,service,role\n{NEWCOMER},vat,declarant\n")},
    )
    token = preview.context["apply_form"].initial["token"]
    c.post("/company/import/apply/", {"token": token})

    response = c.post("/company/import/apply/", {"token": token}, follow=True)

    assert "This import is no longer available" in response.content.decode()
    assert _open_grants(tenant, tenant.vat).count() == 1


def test_import_asks_step_up_when_session_substantial(as_actor, tenant):
    response = as_actor("main", "substantial").post(
        "/company/import/",
        {"file": _csv(f"national_number,service,role\n{NEWCOMER},vat,declarant\n")},
    )

    assert response["Location"].startswith(STEP_UP + "?level=high")
    assert not _open_grants(tenant, tenant.vat).exists()


def test_export_downloads_company_grants_as_csv_attachment(as_actor, tenant):
    GrantFactory(company=tenant.other_company, role=tenant.vat)

    response = as_actor("main").get("/company/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="grants-\d{10}-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("national_number,surname,given_names,service,role")
    assert len(lines) == 2
    assert lines[1].startswith(tenant.collaborator.person.national_number)


def test_dashboard_hides_grant_links_when_legal_representative_only(as_actor):
    response = as_actor("legal_rep").get("/company/")

    content = response.content.decode()
    assert 'href="/company/grants/new/"' not in content
    assert "Grant roles from a CSV file" not in content
