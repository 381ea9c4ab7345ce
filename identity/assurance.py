"""Levels of assurance of a log-in, kept as data on the session.

A session's assurance is the means used (password, one-time code, recovery code, eID card), the
level they reach (eIDAS low / substantial / high) and when that level was proven. Views, API
endpoints and the decision engine compare it with the level they need; a shortfall raises
`StepUpRequired`, which the web layer turns into a step-up prompt rather than a bare refusal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "csam_assurance"


class AssuranceLevel(StrEnum):
    LOW = "low"
    SUBSTANTIAL = "substantial"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def label(self) -> str:
        return str(_LABELS[self])

    @property
    def acr(self) -> str:
        """The numeric ACR value the federal authentication service publishes for this level."""
        return _ACR[self]

    def satisfies(self, required: AssuranceLevel) -> bool:
        return self.rank >= required.rank

    @classmethod
    def parse(cls, value: str) -> AssuranceLevel:
        """Accept the level's name or its ACR URN; raise ValueError otherwise."""
        for level in cls:
            if value in (level.value, level.acr):
                return level
        raise ValueError(f"unknown level of assurance: {value!r}")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(level.value, _LABELS[level]) for level in cls]


_RANKS = {AssuranceLevel.LOW: 1, AssuranceLevel.SUBSTANTIAL: 2, AssuranceLevel.HIGH: 3}
_LABELS = {
    AssuranceLevel.LOW: _("low"),
    AssuranceLevel.SUBSTANTIAL: _("substantial"),
    AssuranceLevel.HIGH: _("high"),
}
_ACR = {
    AssuranceLevel.LOW: "urn:be:fedict:iam:fas:Level200",
    AssuranceLevel.SUBSTANTIAL: "urn:be:fedict:iam:fas:Level400",
    AssuranceLevel.HIGH: "urn:be:fedict:iam:fas:Level500",
}


class Means(StrEnum):
    PASSWORD = "password"  # noqa: S105 (the name of a means, not a secret)
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    EID = "eid"


# The level each means proves on its own (a one-time code is only ever used after a password).
LEVEL_OF_MEANS = {
    Means.PASSWORD: AssuranceLevel.LOW,
    Means.TOTP: AssuranceLevel.SUBSTANTIAL,
    Means.RECOVERY_CODE: AssuranceLevel.SUBSTANTIAL,
    Means.EID: AssuranceLevel.HIGH,
}


class StepUpRequired(Exception):
    """The session's level of assurance is below what the act needs.

    With ``within``, the act needs the level proven that recently (re-authentication): a session
    already at the level but proven earlier must prove it again.
    """

    def __init__(
        self,
        required: AssuranceLevel,
        current: AssuranceLevel | None,
        *,
        within: dt.timedelta | None = None,
    ) -> None:
        self.required = required
        self.current = current
        self.within = within
        super().__init__(f"level {required} required, session has {current}")

    @property
    def reauthenticate(self) -> bool:
        """The level is there but too old: the person must prove it again."""
        return (
            self.within is not None
            and self.current is not None
            and self.current.satisfies(self.required)
        )

    @property
    def message(self) -> str:
        if self.reauthenticate and self.within is not None:
            minutes = max(1, round(self.within.total_seconds() / 60))
            return str(
                _(
                    "This act needs you to confirm your identity again at the level of assurance "
                    "“%(level)s”: your last confirmation is more than %(minutes)d minutes old."
                )
                % {"level": self.required.label, "minutes": minutes}
            )
        return str(
            _("This requires the level of assurance “%(level)s”. Please confirm your identity.")
            % {"level": self.required.label}
        )

    def payload(self) -> dict[str, Any]:
        """The API's answer body (403)."""
        body: dict[str, Any] = {
            "detail": self.message,
            "code": "step_up_required",
            "required_assurance": self.required.value,
        }
        if self.within is not None:
            body["max_age_seconds"] = int(self.within.total_seconds())
            body["reauthenticate"] = self.reauthenticate
        return body


@dataclass(frozen=True)
class Assurance:
    """What a session has proven: level, means and when."""

    level: AssuranceLevel | None = None
    means: tuple[Means, ...] = field(default_factory=tuple)
    at: dt.datetime | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.level is not None

    def effective_level(self, *, now: dt.datetime | None = None) -> AssuranceLevel | None:
        """The level, or a lower one once the proof has grown older than its maximum age."""
        if self.level is None or self.at is None:
            return None
        now = now or timezone.now()
        max_age = settings.ASSURANCE_MAX_AGE.get(self.level.value)
        if max_age is not None and now - self.at > max_age:
            # An old step-up decays to what the password alone proved.
            return AssuranceLevel.LOW
        return self.level

    def satisfies(
        self,
        required: AssuranceLevel,
        *,
        now: dt.datetime | None = None,
        within: dt.timedelta | None = None,
    ) -> bool:
        """Whether the session reaches ``required``; with ``within``, proven no longer ago."""
        now = now or timezone.now()
        level = self.effective_level(now=now)
        if level is None or not level.satisfies(required):
            return False
        # Re-authentication: the level must have been proven recently, not just once.
        return within is None or (self.at is not None and now - self.at <= within)

    def require(self, required: AssuranceLevel, *, within: dt.timedelta | None = None) -> None:
        """Raise `StepUpRequired` unless this assurance reaches ``required`` (within ``within``)."""
        if not self.satisfies(required, within=within):
            raise StepUpRequired(required, self.effective_level(), within=within)

    def to_session(self) -> dict[str, Any]:
        return {
            "level": self.level.value if self.level else None,
            "means": [m.value for m in self.means],
            "at": self.at.isoformat() if self.at else None,
        }

    @classmethod
    def from_session(cls, session: Any) -> Assurance:
        raw = session.get(SESSION_KEY) if session is not None else None
        if not isinstance(raw, dict):
            return cls()
        try:
            level = AssuranceLevel(raw["level"])
            means = tuple(Means(m) for m in raw.get("means", []))
            at = parse_datetime(raw["at"])
        except (KeyError, ValueError, TypeError):
            return cls()
        if at is None:
            return cls()
        return cls(level=level, means=means, at=at)


def assurance_of(request: Any) -> Assurance:
    """The assurance of this request's session (empty when not logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Assurance()
    return Assurance.from_session(request.session)
