"""The mandate pages: the mandates of the acting party, one mandate with its history, the acts
on it (accept, refuse, revoke, withdraw, each confirmed), and the wizards that propose, request or
sub-delegate a mandate.

The acting party is the person acting in their own name, or the company they act for
(`mandate_viewer_party`, from ``request.acting``); a party id never comes from the request.
Mandates are looked up among the party's own, so another party's mandate is simply not found
(404). The acts go through the services, which ask the engine themselves: a `PermissionDenied`
or `MandateConflict` becomes a message on the page, and `StepUpRequired` goes up to the
middleware, which sends the user to the step-up page (accepting needs the eID card).
"""

from mandates.views.acts import MandateActView
from mandates.views.reads import MandateDetailView, MandateListView
from mandates.views.wizard import WIZARD_SESSION_KEY, WizardPartyView, WizardScopeView
from mandates.views.wizard_review import WizardReviewView

__all__ = [
    "WIZARD_SESSION_KEY",
    "MandateActView",
    "MandateDetailView",
    "MandateListView",
    "WizardPartyView",
    "WizardReviewView",
    "WizardScopeView",
]
