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
