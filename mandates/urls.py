"""The mandate pages, mounted under /mandates/ (always the acting party's mandates)."""

from django.urls import path

from identity.assurance import AssuranceLevel
from mandates import views

app_name = "mandates"


def _wizard(flow: str, **kwargs: object) -> list:
    """The three steps of one wizard: the other party, the scope and period, the review."""
    prefix = {
        "propose": "new/",
        "request": "request/",
        "subdelegate": "<int:mandate_id>/subdelegate/",
    }[flow]
    return [
        path(prefix, views.WizardPartyView.as_view(flow_name=flow, **kwargs), name=flow),
        path(
            f"{prefix}scope/",
            views.WizardScopeView.as_view(flow_name=flow, **kwargs),
            name=f"{flow}_scope",
        ),
        path(
            f"{prefix}review/",
            views.WizardReviewView.as_view(flow_name=flow, **kwargs),
            name=f"{flow}_review",
        ),
    ]


urlpatterns = [
    path("", views.MandateListView.as_view(), name="list"),
    *_wizard("propose"),
    *_wizard("request"),
    path("<int:mandate_id>/", views.MandateDetailView.as_view(), name="detail"),
    path("<int:mandate_id>/accept/", views.MandateActView.as_view(act="accept"), name="accept"),
    path("<int:mandate_id>/refuse/", views.MandateActView.as_view(act="refuse"), name="refuse"),
    path("<int:mandate_id>/revoke/", views.MandateActView.as_view(act="revoke"), name="revoke"),
    path(
        "<int:mandate_id>/withdraw/",
        views.MandateActView.as_view(act="withdraw"),
        name="withdraw",
    ),
    # Passing authority on needs the eID card, like the act itself (the engine says so too).
    *_wizard("subdelegate", required_assurance=AssuranceLevel.HIGH),
]
