"""Mandates API: the caller's party lists, proposes, requests, accepts, refuses, revokes,
withdraws from and sub-delegates mandates.

The party is the person acting in their own name, or the company they act for, resolved from
the session into ``request.acting`` (`mandate_viewer_party`); a party id never comes from the
request. Mandates are looked up among the party's own, so another party's mandate answers 404
like a missing one. The acts go through the services, which ask the engine: 403 for the wrong
actor (``code: step_up_required`` when only the level of assurance is missing: accepting and
sub-delegating need the eID card), 409 from the wrong state, 400 with messages per field.
"""

from mandates.apis.acts import (
    MandateAcceptApi,
    MandateRefuseApi,
    MandateRevokeApi,
    MandateWithdrawApi,
)
from mandates.apis.creation import MandateRequestApi, MandateSubdelegateApi
from mandates.apis.reads import MandateRetrieveApi
from mandates.apis.routes import MandatesApi

__all__ = [
    "MandateAcceptApi",
    "MandateRefuseApi",
    "MandateRequestApi",
    "MandateRetrieveApi",
    "MandateRevokeApi",
    "MandateWithdrawApi",
    "MandatesApi",
    "MandateSubdelegateApi",
]
