"""Writes in the mandates app: propose, request, sub-delegate, accept, refuse, revoke, withdraw,
expire.

Who may act for a party is the engine's question (`csam.authz`): a person acts for themselves
while acting in their own name; a company through an access manager of every domain the mandate
covers, while acting for that company. Every step is a `MandateEvent` and an audit record, and
the other party is told by e-mail after commit.
"""

from mandates.services._common import Party, ScopeItem, mandate_snapshot, party_from_number
from mandates.services.acts import (
    mandate_accept,
    mandate_refuse,
    mandate_revoke,
    mandate_withdraw,
    mandates_expire,
)
from mandates.services.creation import mandate_propose, mandate_request, mandate_subdelegate

__all__ = [
    "Party",
    "ScopeItem",
    "mandate_accept",
    "mandate_propose",
    "mandate_refuse",
    "mandate_request",
    "mandate_revoke",
    "mandate_snapshot",
    "mandate_subdelegate",
    "mandate_withdraw",
    "mandates_expire",
    "party_from_number",
]
