import pytest

from tests.governance.test_views import _decisions

pytestmark = pytest.mark.django_db


def test_register_api_is_public_and_filters(client, gov, meeting):
    approved, _other = _decisions(gov, meeting)
    response = client.get("/api/v1/governance/decisions/", {"type": "member_approval"})
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["results"]] == [approved.pk]
    assert response.json()["results"][0]["outcome"] == "approved"


def test_register_api_refuses_bad_filter(client, gov):
    response = client.get("/api/v1/governance/decisions/", {"type": "nonsense", "body": "nope"})
    assert response.status_code == 400
    assert set(response.json()) == {"type"}


def test_register_api_refuses_unknown_body(client, gov):
    response = client.get("/api/v1/governance/decisions/", {"body": "nope"})
    assert response.status_code == 400
    assert response.json() == {"body": ["No such body."]}


def test_decision_api_404_when_missing(client, gov):
    assert client.get("/api/v1/governance/decisions/999/").status_code == 404


def test_bodies_api_lists_current_members(client, gov):
    bodies = {b["code"]: b for b in client.get("/api/v1/governance/bodies/").json()}
    assert len(bodies["mc"]["seats"]) == 4  # three voting seats and the secretary
