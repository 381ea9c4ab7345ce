"""A governance world: the three standing bodies and a working group, sponsors seated on the
Management Committee, a secretary for each body, a citizen and a staff member without a seat,
and a helper for meetings with quorum."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

import pytest

from governance.models import Attendance, Body, Meeting, Organisation, Seat
from tests.companies.conftest import acting
from tests.factories.governance import BodyFactory, MeetingFactory, OrganisationFactory, SeatFactory
from tests.factories.identity import UserFactory

SINCE = dt.date(2024, 1, 1)


@dataclass
class Governance:
    mc: Body
    omg: Body
    suc: Body
    wg: Body
    sponsors: list[Organisation]
    mc_seats: list[Seat]
    mc_secretary: object
    omg_secretary: object
    suc_secretary: object
    member: object  # a user holding a voting seat on the Management Committee
    wg_secretary: object  # the secretary of the working group
    citizen: object  # a user holding no seat at all
    staff: object  # a staff superuser holding no seat (the engine knows no staff exception)

    def meeting(self, body: Body, *, present: int | None = None, date: dt.date | None = None):
        """A meeting of ``body`` yesterday with ``present`` voting seats (all by default)."""
        date = date or timezone.localdate() - dt.timedelta(days=1)
        meeting = MeetingFactory(body=body, date=date)
        voting = list(
            Seat.objects.at(date).filter(body=body).exclude(role="secretary").order_by("id")
        )
        for seat in voting[: len(voting) if present is None else present]:
            Attendance.objects.create(meeting=meeting, seat=seat)
        return meeting


def _secretary(body: Body, organisation: Organisation):
    user = UserFactory()
    SeatFactory(body=body, organisation=organisation, person=user.person, role="secretary")
    return user


@pytest.fixture
def gov(db) -> Governance:
    mc = BodyFactory(code="mc", kind="management_committee", name_en="Management Committee")
    omg = BodyFactory(code="omg", kind="operational_group", name_en="Operational Management Group")
    suc = BodyFactory(
        code="suc", kind="strategic_user_committee", name_en="Strategic User Committee"
    )
    wg = BodyFactory(code="wg-security", kind="working_group", name_en="Security working group")
    sponsors = [
        OrganisationFactory(code=f"sponsor-{n}", is_sponsor=True, is_member=True) for n in range(3)
    ]
    member = UserFactory()
    mc_seats = [
        SeatFactory(body=mc, organisation=sponsors[0], person=member.person, role="chair"),
        *[SeatFactory(body=mc, organisation=org, role="member") for org in sponsors[1:]],
    ]
    return Governance(
        mc=mc,
        omg=omg,
        suc=suc,
        wg=wg,
        sponsors=sponsors,
        mc_seats=mc_seats,
        mc_secretary=_secretary(mc, sponsors[1]),
        omg_secretary=_secretary(omg, sponsors[2]),
        suc_secretary=_secretary(suc, sponsors[0]),
        member=member,
        wg_secretary=_secretary(wg, sponsors[0]),
        citizen=UserFactory(),
        staff=UserFactory(is_staff=True, is_superuser=True),
    )


def actor(user, level: str = "high"):
    return acting(user, None, level)


@pytest.fixture
def meeting(gov: Governance) -> Meeting:
    return gov.meeting(gov.mc)
