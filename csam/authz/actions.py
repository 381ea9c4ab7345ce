"""Every action the decision engine knows, with the level of assurance each needs."""

from enum import StrEnum

from identity.assurance import AssuranceLevel


class Action(StrEnum):
    ACTING_CHOOSE_COMPANY = "acting.choose_company"
    IDENTITY_VIEW_OWN = "identity.view_own"
    IDENTITY_MANAGE_SECURITY = "identity.manage_security"


# What each action needs from the session. An action missing here is denied (deny by default).
REQUIRED_ASSURANCE: dict[Action, AssuranceLevel] = {
    Action.ACTING_CHOOSE_COMPANY: AssuranceLevel.LOW,
    Action.IDENTITY_VIEW_OWN: AssuranceLevel.LOW,
    Action.IDENTITY_MANAGE_SECURITY: AssuranceLevel.SUBSTANTIAL,
}
