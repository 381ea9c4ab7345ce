"""The eID log-in exchange over the API: a challenge, then certificate and signature."""

from django.utils.translation import gettext_lazy as _

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from identity.eid.exceptions import CertificateMalformed, EidError
from identity.eid.services import (
    CARD_FAILURE_CODES,
    decode_base64,
    eid_card_failure_report,
    eid_challenge_issue,
    eid_login_with_signature,
)


class _CsrfProtected(APIView):
    """Session endpoints that may be called before log-in still check the CSRF token: DRF only
    does so for authenticated users, and a forged log-in is an attack too."""

    permission_classes = [AllowAny]
    authentication_classes = [SessionAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "eid"

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        SessionAuthentication().enforce_csrf(request)
        super().initial(request, *args, **kwargs)


class Base64Field(serializers.CharField):
    default_error_messages = {"base64": _("This is not valid base64.")}

    def to_internal_value(self, data: object) -> bytes:  # type: ignore[override]
        text = super().to_internal_value(data)
        # CharField checks max_length on the internal value: check the text itself here.
        if self.max_length is not None and len(text) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        try:
            return decode_base64(text)
        except ValueError:
            self.fail("base64")


class EidChallengeApi(_CsrfProtected):
    """A fresh challenge for the card to sign: single use, bound to this session, 2 minutes."""

    @extend_schema_serializer(component_name="EidChallenge")
    class OutputSerializer(serializers.Serializer):
        challenge = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=None, responses=OutputSerializer, operation_id="auth_eid_challenge")
    def post(self, request: Request) -> Response:
        issued = eid_challenge_issue(request=request._request)
        return Response(
            self.OutputSerializer({"challenge": issued.value, "expires_at": issued.expires_at}).data
        )


class EidLoginApi(_CsrfProtected):
    """Log in (or step up to level high) with the card's certificate and its signature over the
    challenge. 401 when the card or signature is refused, 400 when the request is malformed."""

    @extend_schema_serializer(component_name="EidLoginInput")
    class InputSerializer(serializers.Serializer):
        challenge = serializers.CharField(max_length=200)
        certificate = Base64Field(max_length=16384)
        signature = Base64Field(max_length=2048)

    @extend_schema_serializer(component_name="EidLoginOutput")
    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        level = serializers.CharField()

    @extend_schema_serializer(component_name="EidRefusal")
    class RefusalSerializer(serializers.Serializer):
        detail = serializers.CharField()
        code = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 401: RefusalSerializer},
        operation_id="auth_eid_login",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user, assurance = eid_login_with_signature(
                request=request._request,
                challenge=data["challenge"],
                certificate=data["certificate"],
                signature=data["signature"],
            )
        except CertificateMalformed as error:
            return Response({"certificate": [str(error.message)]}, status=400)
        except EidError as error:
            return Response(
                {"detail": str(error.message), "code": error.code},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        person = user.person
        return Response(
            {
                "name": person.full_name if person else user.get_username(),
                "level": assurance.level.value if assurance.level else "",
            }
        )


class EidFailureApi(_CsrfProtected):
    """Report a failure on the citizen's side (wrong PIN, locked PIN, no card, signer not
    running) for the pending challenge, so the failed attempt is audited. Ends the attempt."""

    @extend_schema_serializer(component_name="EidFailureInput")
    class InputSerializer(serializers.Serializer):
        challenge = serializers.CharField(max_length=200)
        code = serializers.ChoiceField(choices=sorted(CARD_FAILURE_CODES))

    @extend_schema(
        request=InputSerializer,
        responses={204: None, 401: EidLoginApi.RefusalSerializer},
        operation_id="auth_eid_failure",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            eid_card_failure_report(
                request=request._request,
                challenge=serializer.validated_data["challenge"],
                code=serializer.validated_data["code"],
            )
        except EidError as error:
            return Response(
                {"detail": str(error.message), "code": error.code},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
