"""The acting context: who is acting, for whom, and how strongly they logged in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companies.models import Company
from identity.assurance import Assurance
from identity.models import Person


@dataclass(frozen=True)
class ActingContext:
    """Resolved once per request by middleware into ``request.acting``.

    ``company`` is the tenant every company-scoped view and query is filtered by; None means the
    person acts in their own name. ``mandate`` is set when acting under a mandate.
    """

    person: Person | None
    assurance: Assurance = field(default_factory=Assurance)
    company: Company | None = None
    mandate: Any | None = None  # mandates.Mandate when acting under a mandate
    represented_person: Person | None = None  # the mandator, when acting for a person
    user_id: int | None = None
    label: str = ""
    user: Any | None = None  # the account (identity.User), for object-permission checks

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def acts_for_self(self) -> bool:
        return self.company is None and self.mandate is None

    @property
    def acting_for_label(self) -> str:
        if self.company is not None:
            return str(self.company)
        if self.represented_person is not None:
            return str(self.represented_person)
        return ""


@dataclass(frozen=True)
class SystemActor:
    """Scheduled jobs and management commands that act in the system's own name."""

    label: str = "system"


SYSTEM_ACTOR = SystemActor()
