"""The acts on one of the party's mandates: accept, refuse, revoke, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from mandates.apis._common import CONFLICT, NOT_FOUND, REFUSED, MandateApi, MandateDetailSerializer
from mandates.models import Mandate
from mandates.services import mandate_accept, mandate_refuse, mandate_revoke, mandate_withdraw


class _MandateActApi(MandateApi):
    """Accept, refuse, revoke or withdraw from one of the party's mandates."""

    act: ClassVar[Callable[..., Mandate]]

    def post(self, request: Request, mandate_id: int) -> Response:
        mandate = self.mandate_or_404(mandate_id)
        type(self).act(actor=self.actor, mandate=mandate)
        return self.detail_response(mandate)


def _act_schema(operation_id: str, description: str) -> Callable[[Any], Any]:
    return extend_schema(
        request=None,
        responses={200: MandateDetailSerializer, **REFUSED, **NOT_FOUND, **CONFLICT},
        operation_id=operation_id,
        description=description,
    )


class MandateAcceptApi(_MandateActApi):
    act = mandate_accept

    @_act_schema(
        "mandates_accept",
        "The deciding side (the mandatary of a proposal, the mandator of a request) accepts a "
        "proposed mandate; level high (the eID card). 409 unless proposed.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateRefuseApi(_MandateActApi):
    act = mandate_refuse

    @_act_schema(
        "mandates_refuse",
        "The deciding side refuses a proposed mandate; level substantial. 409 unless proposed.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateRevokeApi(_MandateActApi):
    act = mandate_revoke

    @_act_schema(
        "mandates_revoke",
        "The mandator ends a proposed or accepted mandate at once, with everything "
        "sub-delegated from it; level substantial. 409 once it has ended.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)


class MandateWithdrawApi(_MandateActApi):
    act = mandate_withdraw

    @_act_schema(
        "mandates_withdraw",
        "The mandatary gives up an accepted mandate at once, with everything sub-delegated "
        "from it; level substantial. 409 unless accepted and in force.",
    )
    def post(self, request: Request, mandate_id: int) -> Response:
        return super().post(request, mandate_id)
