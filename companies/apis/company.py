"""The acting company itself, and what the caller may do in it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from companies.apis._common import REFUSED, CompanyApi
from companies.models import AccessManagerKind
from companies.selectors import domain_list
from companies.serializers import AbilitiesSerializer

if TYPE_CHECKING:
    from csam.authz.engine import Decision


def _decision_ability(decision: Decision) -> dict[str, Any]:
    # Name the lack of authority before the level: stepping up would not help with it.
    authority = [r.message for r in decision.reasons if r.code != "assurance_too_low"]
    return {
        "allowed": decision.allowed,
        # Only the level is missing: the caller could do it after stepping up.
        "step_up_required": decision.codes == ("assurance_too_low",),
        "reason": authority[0] if authority else decision.reason,
    }


class CompanyRetrieveApi(CompanyApi):
    """The acting company, and what the caller may do in it at the session's level."""

    @extend_schema_serializer(component_name="ActingCompany")
    class OutputSerializer(serializers.Serializer):
        enterprise_number = serializers.CharField()
        formatted_number = serializers.CharField()
        name = serializers.CharField()
        legal_form = serializers.CharField()
        status = serializers.CharField(help_text="active or stopped.")
        may = AbilitiesSerializer()

    @extend_schema(responses={200: OutputSerializer, **REFUSED}, operation_id="company_retrieve")
    def get(self, request: Request) -> Response:
        """The acting company and, per act, whether the caller may do it now."""
        from csam.authz.actions import Action
        from csam.authz.engine import decide

        def ask(action: Action, target: Any) -> dict[str, Any]:
            return _decision_ability(
                decide(actor=self.actor, action=action, target=target, tenant=self.tenant)
            )

        company = self.tenant
        may = {
            "designate_main_manager": ask(
                Action.COMPANIES_DESIGNATE_MAIN_MANAGER, (AccessManagerKind.MAIN, None)
            ),
            "designate_managers": ask(
                Action.COMPANIES_DESIGNATE_MANAGER, (AccessManagerKind.CO_MAIN, None)
            ),
            # A domain's authority (the main manager, or a manager of that domain) is what
            # designating its co-managers asks for; granting and revoking its roles ask the same.
            "domains": [
                {
                    "domain": domain.code,
                    "domain_name": domain.name,
                    **ask(
                        Action.COMPANIES_DESIGNATE_DOMAIN_CO_MANAGER,
                        (AccessManagerKind.CO_DOMAIN, domain),
                    ),
                }
                for domain in domain_list()
            ],
        }
        data = {
            "enterprise_number": company.enterprise_number,
            "formatted_number": company.formatted_number,
            "name": company.name,
            "legal_form": company.legal_form,
            "status": company.status,
            "may": may,
        }
        return Response(self.OutputSerializer(data).data)
