"""Every action the decision engine knows, with the level of assurance each needs."""

from enum import StrEnum

from identity.assurance import AssuranceLevel


class Action(StrEnum):
    ACTING_CHOOSE_COMPANY = "acting.choose_company"
    IDENTITY_VIEW_OWN = "identity.view_own"
    IDENTITY_MANAGE_SECURITY = "identity.manage_security"
    COMPANIES_VIEW = "companies.view"
    COMPANIES_DESIGNATE_MAIN_MANAGER = "companies.designate_main_manager"
    COMPANIES_DESIGNATE_MANAGER = "companies.designate_manager"
    COMPANIES_DESIGNATE_DOMAIN_CO_MANAGER = "companies.designate_domain_co_manager"
    COMPANIES_GRANT_ROLE = "companies.grant_role"
    COMPANIES_REVOKE_GRANT = "companies.revoke_grant"
    ACTING_CHOOSE_MANDATE = "acting.choose_mandate"
    MANDATES_PROPOSE = "mandates.propose"
    MANDATES_SUBDELEGATE = "mandates.subdelegate"
    MANDATES_ACCEPT = "mandates.accept"
    MANDATES_REFUSE = "mandates.refuse"
    MANDATES_REVOKE = "mandates.revoke"
    MANDATES_WITHDRAW = "mandates.withdraw"
    GOVERNANCE_RECORD_MEETING = "governance.record_meeting"
    GOVERNANCE_RECORD_DECISION = "governance.record_decision"
    GOVERNANCE_MANAGE_APPLICATIONS = "governance.manage_applications"
    GOVERNANCE_DRAFT_PLAN = "governance.draft_plan"
    CATALOGUE_REGISTER_SERVICE = "catalogue.register_service"


# What each action needs from the session. An action missing here is denied (deny by default).
REQUIRED_ASSURANCE: dict[Action, AssuranceLevel] = {
    Action.ACTING_CHOOSE_COMPANY: AssuranceLevel.LOW,
    Action.IDENTITY_VIEW_OWN: AssuranceLevel.LOW,
    Action.IDENTITY_MANAGE_SECURITY: AssuranceLevel.SUBSTANTIAL,
    # Reading a company's rights needs "substantial"; changing them needs the eID card.
    Action.COMPANIES_VIEW: AssuranceLevel.SUBSTANTIAL,
    Action.COMPANIES_DESIGNATE_MAIN_MANAGER: AssuranceLevel.HIGH,
    Action.COMPANIES_DESIGNATE_MANAGER: AssuranceLevel.HIGH,
    Action.COMPANIES_DESIGNATE_DOMAIN_CO_MANAGER: AssuranceLevel.HIGH,
    Action.COMPANIES_GRANT_ROLE: AssuranceLevel.HIGH,
    Action.COMPANIES_REVOKE_GRANT: AssuranceLevel.HIGH,
    Action.ACTING_CHOOSE_MANDATE: AssuranceLevel.LOW,
    # Proposing, refusing and revoking are safe directions; accepting (taking on authority)
    # and passing authority on need the eID card.
    Action.MANDATES_PROPOSE: AssuranceLevel.SUBSTANTIAL,
    Action.MANDATES_SUBDELEGATE: AssuranceLevel.HIGH,
    Action.MANDATES_ACCEPT: AssuranceLevel.HIGH,
    Action.MANDATES_REFUSE: AssuranceLevel.SUBSTANTIAL,
    Action.MANDATES_REVOKE: AssuranceLevel.SUBSTANTIAL,
    Action.MANDATES_WITHDRAW: AssuranceLevel.SUBSTANTIAL,
    # Governance: a recorded decision changes who is a member and who sits where, and cannot be
    # changed afterwards, so recording one needs the eID card. The public register needs no
    # action at all (it is public).
    Action.GOVERNANCE_RECORD_MEETING: AssuranceLevel.SUBSTANTIAL,
    Action.GOVERNANCE_RECORD_DECISION: AssuranceLevel.HIGH,
    Action.GOVERNANCE_MANAGE_APPLICATIONS: AssuranceLevel.SUBSTANTIAL,
    Action.GOVERNANCE_DRAFT_PLAN: AssuranceLevel.SUBSTANTIAL,
    Action.CATALOGUE_REGISTER_SERVICE: AssuranceLevel.SUBSTANTIAL,
}

# The most sensitive acts also need their level proven recently (re-authentication): a session
# that reached "high" hours ago must show the eID card again, within REAUTHENTICATION_MAX_AGE.
# Each hands lasting authority to someone, or cannot be undone.
REAUTHENTICATION_REQUIRED: frozenset[Action] = frozenset(
    {
        Action.COMPANIES_DESIGNATE_MAIN_MANAGER,
        Action.MANDATES_ACCEPT,
        Action.GOVERNANCE_RECORD_DECISION,
    }
)
