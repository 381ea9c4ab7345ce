import datetime as dt

from django.utils import timezone

import factory

from governance.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name_en = factory.LazyAttribute(lambda o: f"Organisation {o.code}")
    kind = "federal"
    is_member = True


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Body"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"body-{n}")
    kind = "working_group"
    name_en = factory.LazyAttribute(lambda o: f"Body {o.code}")


class SeatFactory(factory.django.DjangoModelFactory):
    """A seat written directly (the composition rules are tested through `seat_create`)."""

    class Meta:
        model = "governance.Seat"

    body = factory.SubFactory(BodyFactory)
    organisation = factory.SubFactory(OrganisationFactory, is_sponsor=True)
    person = factory.SubFactory("tests.factories.identity.PersonFactory")
    role = "member"
    valid_from = factory.LazyFunction(lambda: dt.date(2024, 1, 1))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Meeting"

    body = factory.SubFactory(BodyFactory)
    date = factory.LazyFunction(lambda: dt.date(2025, 3, 1))
    title = "Quarterly meeting"
    recorded_by = factory.SubFactory("tests.factories.identity.PersonFactory")


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Application"

    organisation = factory.SubFactory(OrganisationFactory, is_member=False)
    target = "membership"
    motivation = "We offer e-government services to citizens."
    representative = factory.SubFactory("tests.factories.identity.PersonFactory")

    class Params:
        reported = factory.Trait(
            status="reported",
            report="Complies with the framework.",
            reported_at=factory.LazyFunction(timezone.now),
        )


class StrategicPlanFactory(factory.django.DjangoModelFactory):
    """A plan with no version (add them with `StrategicPlanVersionFactory`)."""

    class Meta:
        model = "governance.StrategicPlan"

    title = factory.Sequence(lambda n: f"Strategic plan {n}")
    drafted_by = factory.SubFactory(BodyFactory)


class StrategicPlanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.StrategicPlanVersion"

    plan = factory.SubFactory(StrategicPlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = factory.LazyAttribute(lambda o: f"Text of version {o.number}.")
    drafted_by = factory.SubFactory("tests.factories.identity.PersonFactory")
