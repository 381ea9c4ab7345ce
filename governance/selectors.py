"""Reads in the governance app."""

from django.db.models import QuerySet

from governance.models import Organisation


def organisation_list_members() -> QuerySet[Organisation]:
    """Member organisations, sponsors first."""
    return Organisation.objects.filter(is_member=True).order_by("-is_sponsor", "name_en")
