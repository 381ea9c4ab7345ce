"""The words of the decision engine: a question, the facts that answer it, an answer with its
reasons, and a question as a service asks it (by codes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from companies.selectors import CatalogueRole
from identity.assurance import AssuranceLevel

SELF = "self"
PERSON = "person"
COMPANY = "company"


@dataclass(frozen=True)
class Question:
    subject: str  # national register number, digits
    on_behalf_kind: str  # self, person or company
    on_behalf_number: str | None  # national or enterprise number, digits
    role: CatalogueRole
    assurance: AssuranceLevel
    at: dt.datetime | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Answer:
    allowed: bool
    path: tuple[dict[str, Any], ...] = ()
    reasons: tuple[Reason, ...] = ()
    required_assurance: AssuranceLevel = AssuranceLevel.LOW

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": "allow" if self.allowed else "deny",
            "path": list(self.path),
            "reasons": [r.as_dict() for r in self.reasons],
            "required_assurance": self.required_assurance.value,
        }


@dataclass
class Facts:
    person_id: int | None = None
    company_id: int | None = None
    mandator_id: int | None = None
    company_status: str | None = None
    company_stopped_on: dt.date | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)
    representations: list[dict[str, Any]] = field(default_factory=list)
    mandates: list[dict[str, Any]] = field(default_factory=list)
    client_grants: list[dict[str, Any]] = field(default_factory=list)


UNKNOWN_SERVICE = "unknown_service"
UNKNOWN_ROLE = "unknown_role"


@dataclass(frozen=True)
class Ask:
    """A question as a service asks it, naming the service and the role by their codes."""

    subject: str
    on_behalf_kind: str
    on_behalf_number: str | None
    service_code: str
    role_code: str
    assurance: AssuranceLevel
    at: dt.datetime | None = None
