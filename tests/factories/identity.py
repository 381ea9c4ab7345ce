import datetime as dt

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import Person, User

PASSWORD = "correct horse battery staple"


def _national_number(n: int) -> str:
    """A valid national number for a birth in 1980-1999 (check digits for the 1900s rule)."""
    year = 80 + (n // 300) % 20
    month = 1 + (n // 25) % 12
    day = 1 + n % 25
    counter = 1 + (n * 7) % 996
    base = f"{year:02d}{month:02d}{day:02d}{counter:03d}"
    return base + f"{97 - int(base) % 97:02d}"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("national_number",)

    national_number = factory.Sequence(_national_number)
    given_names = factory.Faker("first_name")
    surname = factory.Faker("last_name")
    birth_date = dt.date(1985, 7, 14)
    preferred_language = "en"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    person = factory.SubFactory(PersonFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        with_otp = factory.Trait(
            otp=factory.RelatedFactory(
                "tests.factories.identity.TOTPDeviceFactory", factory_related_name="user"
            )
        )

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "test app"
    confirmed = True
