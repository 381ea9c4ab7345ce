"""Output shapes shared by several company access-management APIs (`companies.apis`).

Each shape is one OpenAPI component, so an API that returns a grant (list, detail, create,
revoke) points to the same ``CompanyGrant``. Serializers only shape data: what a right's status
is comes from the selectors.
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from companies.models import AccessManager, Grant
from companies.selectors import period_status

STATUS_HELP = "current (in force today), future (not started yet) or ended (revoked or past)."


@extend_schema_serializer(component_name="CompanyPerson")
class PersonSerializer(serializers.Serializer):
    """A collaborator as the company sees them: never the full national register number."""

    id = serializers.IntegerField()
    given_names = serializers.CharField()
    surname = serializers.CharField()
    masked_national_number = serializers.CharField(source="masked_number")


@extend_schema_serializer(component_name="CompanyGrant")
class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonSerializer()
    service = serializers.CharField(source="role.service.code")
    service_name = serializers.CharField(source="role.service.name")
    domain = serializers.CharField(source="role.service.domain.code")
    role = serializers.CharField(source="role.code")
    role_name = serializers.CharField(source="role.name")
    for_clients = serializers.BooleanField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.SerializerMethodField(help_text=STATUS_HELP)
    end_reason = serializers.CharField(help_text="revoked, expired or replaced; empty if open.")
    ended_at = serializers.DateTimeField(allow_null=True)
    granted_at = serializers.DateTimeField()

    def get_status(self, grant: Grant) -> str:
        return period_status(row=grant)


@extend_schema_serializer(component_name="CompanyAccessManager")
class AccessManagerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonSerializer()
    kind = serializers.CharField(help_text="main, co_main, domain or co_domain.")
    domain = serializers.CharField(source="domain.code", allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.SerializerMethodField(help_text=STATUS_HELP)
    end_reason = serializers.CharField(help_text="revoked, expired or replaced; empty if open.")
    ended_at = serializers.DateTimeField(allow_null=True)
    designated_at = serializers.DateTimeField()

    def get_status(self, designation: AccessManager) -> str:
        return period_status(row=designation)


@extend_schema_serializer(component_name="CompanyApiError")
class ErrorSerializer(serializers.Serializer):
    """A refusal: 403 (with ``code`` ``step_up_required`` or ``no_acting_company`` when that is
    the reason), 404 or 409."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    required_assurance = serializers.CharField(required=False)


# --- Parts nested in one API's output (a nested class body cannot see its siblings) ------------


@extend_schema_serializer(component_name="CompanyAbility")
class AbilitySerializer(serializers.Serializer):
    """The engine's answer for one act at the session's current level."""

    allowed = serializers.BooleanField()
    step_up_required = serializers.BooleanField(
        help_text="Allowed after confirming one's identity at level high (eID card)."
    )
    reason = serializers.CharField(help_text="Why not (empty when allowed).")


@extend_schema_serializer(component_name="CompanyDomainAbility")
class DomainAbilitySerializer(AbilitySerializer):
    """Managing one domain: granting and revoking its roles, designating its co-managers."""

    domain = serializers.CharField()
    domain_name = serializers.CharField()


@extend_schema_serializer(component_name="CompanyAbilities")
class AbilitiesSerializer(serializers.Serializer):
    designate_main_manager = AbilitySerializer()
    designate_managers = AbilitySerializer(help_text="Co-main managers and domain managers.")
    domains = DomainAbilitySerializer(many=True)


@extend_schema_serializer(component_name="CompanyCollaboratorRole")
class CollaboratorRoleSerializer(serializers.Serializer):
    grant = serializers.IntegerField(source="id")
    service = serializers.CharField(source="role.service.code")
    domain = serializers.CharField(source="role.service.domain.code")
    role = serializers.CharField(source="role.code")
    for_clients = serializers.BooleanField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)


@extend_schema_serializer(component_name="CompanyMatrixService")
class MatrixServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="CompanyMatrixCell")
class MatrixCellSerializer(serializers.Serializer):
    """One current grant in a cell."""

    grant = serializers.IntegerField(source="id")
    role = serializers.CharField(source="role.code")
    for_clients = serializers.BooleanField()


@extend_schema_serializer(component_name="CompanyMatrixRow")
class MatrixRowSerializer(serializers.Serializer):
    person = PersonSerializer()
    cells = serializers.ListField(
        child=MatrixCellSerializer(many=True),
        help_text="One list of current grants per service, in the order of ``services``.",
    )


@extend_schema_serializer(component_name="CompanyImportRow")
class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line in the file (the header is line 1).")
    errors = serializers.ListField(child=serializers.CharField())
