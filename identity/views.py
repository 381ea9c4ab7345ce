"""Log-in, step-up, log-out, one-time-code enrolment and the person's own pages."""

import datetime as dt
from base64 import b32encode
from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

import qrcode
import qrcode.image.svg

from csam.audit.services import audit_record
from identity.assurance import AssuranceLevel, assurance_of
from identity.decorators import AssuranceRequiredMixin
from identity.eid.exceptions import EidError
from identity.eid.services import eid_login_with_client_certificate
from identity.exceptions import ActivationCodeInvalid
from identity.forms import EnrolmentForm, LoginForm, OneTimeCodeForm
from identity.services import (
    client_ip,
    login_with_password,
    recovery_codes_regenerate,
    step_up_with_code,
    totp_enrolment_confirm,
    totp_enrolment_start,
    user_has_otp,
)


def _safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` target if it stays on this site, else ``default`` (no open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("home")


def _parse_level(raw: str | None) -> AssuranceLevel:
    try:
        return AssuranceLevel.parse(raw or "substantial")
    except ValueError:
        return AssuranceLevel.SUBSTANTIAL


@method_decorator([never_cache, sensitive_post_parameters("password")], name="dispatch")
class LoginView(View):
    template_name = "identity/login.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, login_page_context(request, LoginForm(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LoginForm(request, data=request.POST)
        target = _safe_next(request)
        if not form.is_valid():
            return render(request, self.template_name, login_page_context(request, form))
        user = form.get_user()
        login_with_password(request=request, user=user)
        if user_has_otp(user=user):
            # Password first, then the code: the session is "low" until the code is given.
            query = urlencode({"level": "substantial", "next": target, "after_login": "1"})
            return HttpResponseRedirect(f"{reverse('identity:step_up')}?{query}")
        return HttpResponseRedirect(target)


def eid_card_context(request: HttpRequest) -> dict[str, object]:
    """What the eID card exchange on a page needs (log-in and step-up)."""
    return {
        "next": _safe_next(request),
        "eid_agent_url": settings.EID_AGENT_URL,
        "eid_challenge_url": reverse("api:eid_challenge"),
        "eid_login_url": reverse("api:eid_login"),
        "eid_failure_url": reverse("api:eid_failure"),
        # Offered only where a TLS proxy that asks for the card's certificate is configured.
        "eid_certificate_login_url": reverse("identity:eid_certificate_login")
        if settings.EID_TRUSTED_PROXIES
        else "",
    }


def login_page_context(
    request: HttpRequest, form: LoginForm, eid_error: str = ""
) -> dict[str, object]:
    """What the log-in page shows: the password form and the eID card log-in."""
    return {"form": form, "eid_error": eid_error, **eid_card_context(request)}


@method_decorator(never_cache, name="dispatch")
class EidClientCertificateLoginView(View):
    """Log in with the certificate the TLS proxy asked the browser for (the card's).

    The proxy requests a client certificate on this address only and passes it in a header,
    trusted only from the configured proxy addresses.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            eid_login_with_client_certificate(request=request)
        except EidError as error:
            return render(
                request,
                LoginView.template_name,
                login_page_context(request, LoginForm(request), eid_error=str(error.message)),
                status=401,
            )
        return HttpResponseRedirect(_safe_next(request))


@method_decorator(never_cache, name="dispatch")
class StepUpView(AssuranceRequiredMixin, View):
    """Raise the session's level: a one-time code for "substantial", the eID card for "high"."""

    template_name = "identity/step_up.html"
    required_assurance = AssuranceLevel.LOW

    @staticmethod
    def _within(request: HttpRequest) -> dt.timedelta | None:
        """Re-authentication: the level must have been proven within this time."""
        asked = request.GET.get("reauthenticate") or request.POST.get("reauthenticate")
        return settings.REAUTHENTICATION_MAX_AGE if asked == "1" else None

    def _context(self, request: HttpRequest, form: OneTimeCodeForm) -> dict[str, object]:
        level = _parse_level(request.GET.get("level") or request.POST.get("level"))
        return {
            **eid_card_context(request),
            "form": form,
            "level": level,
            "has_otp": user_has_otp(user=request.user),
            "after_login": request.GET.get("after_login") == "1",
            "current": assurance_of(request).effective_level(),
            "reauthenticate": self._within(request) is not None,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        level = _parse_level(request.GET.get("level"))
        if assurance_of(request).satisfies(level, within=self._within(request)):
            return HttpResponseRedirect(_safe_next(request))
        return render(request, self.template_name, self._context(request, OneTimeCodeForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OneTimeCodeForm(request.POST)
        if form.is_valid():
            assurance = step_up_with_code(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
            if assurance is not None:
                level = _parse_level(request.POST.get("level"))
                if assurance.satisfies(level, within=self._within(request)):
                    return HttpResponseRedirect(_safe_next(request))
                form.add_error(None, _("This code does not reach the level required."))
            else:
                form.add_error(
                    "code",
                    _(
                        "This code is not correct or has been used already. "
                        "After several wrong codes you must wait a little before the next try."
                    ),
                )
        return render(request, self.template_name, self._context(request, form))


@method_decorator(never_cache, name="dispatch")
class LogoutView(View):
    """Log out (POST only, so a link on another site cannot log a user out)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            audit_record(
                action="identity.logout",
                actor_user_id=request.user.pk,
                actor_label=request.user.get_username(),
                ip_address=client_ip(request),
            )
        auth_logout(request)
        messages.success(request, _("You have been logged out."))
        return HttpResponseRedirect(reverse("home"))


class ProfileView(AssuranceRequiredMixin, View):
    """The person's own identity and how strongly they are logged in."""

    required_assurance = AssuranceLevel.LOW

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "identity/profile.html",
            {"person": request.user.person, "assurance": assurance_of(request)},
        )


class SecurityView(AssuranceRequiredMixin, View):
    required_assurance = AssuranceLevel.LOW

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "identity/security.html",
            {"has_otp": user_has_otp(user=request.user), "assurance": assurance_of(request)},
        )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Drop the XML declaration so the SVG can sit inline in the page.
    return svg[svg.index("<svg") :]


@method_decorator([never_cache, sensitive_post_parameters("activation_code")], name="dispatch")
class OtpEnrolView(AssuranceRequiredMixin, View):
    """Set up an authenticator app: scan the QR code, confirm with a first code."""

    required_assurance = AssuranceLevel.LOW
    template_name = "identity/otp_enrol.html"

    def _render(self, request: HttpRequest, form: EnrolmentForm) -> HttpResponse:
        device = totp_enrolment_start(user=request.user)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "qr_svg": _qr_svg(device.config_url),
                "secret": b32encode(device.bin_key).decode().rstrip("="),
                "has_otp": user_has_otp(user=request.user),
            },
        )

    def _activation_required(self, request: HttpRequest) -> bool:
        return not assurance_of(request).satisfies(AssuranceLevel.HIGH)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(
            request, EnrolmentForm(activation_required=self._activation_required(request))
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        activation_required = self._activation_required(request)
        form = EnrolmentForm(request.POST, activation_required=activation_required)
        if not form.is_valid():
            return self._render(request, form)
        try:
            codes = totp_enrolment_confirm(
                request=request,
                user=request.user,
                code=form.cleaned_data["code"],
                activation_code=form.cleaned_data.get("activation_code"),
                session_is_high=not activation_required,
            )
        except ActivationCodeInvalid as exc:
            form.add_error("activation_code", str(exc.message))
            return self._render(request, form)
        if codes is None:
            form.add_error("code", _("This code is not correct. Check the time on your phone."))
            return self._render(request, form)
        messages.success(request, _("Your authenticator app is set up."))
        return render(request, "identity/recovery_codes.html", {"codes": codes})


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(AssuranceRequiredMixin, View):
    """New recovery codes replace the old ones; only a session at "substantial" may ask."""

    required_assurance = AssuranceLevel.SUBSTANTIAL

    def post(self, request: HttpRequest) -> HttpResponse:
        codes = recovery_codes_regenerate(user=request.user)
        audit_record(
            action="identity.recovery_codes_regenerated",
            actor_user_id=request.user.pk,
            actor_label=request.user.get_username(),
            ip_address=client_ip(request),
        )
        return render(request, "identity/recovery_codes.html", {"codes": codes})


class PasswordChangeView(AssuranceRequiredMixin, auth_views.PasswordChangeView):
    required_assurance = AssuranceLevel.LOW
    template_name = "identity/password_change.html"
    success_url = reverse_lazy("identity:security")

    def form_valid(self, form: object) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            action="identity.password_changed",
            actor_user_id=self.request.user.pk,
            actor_label=self.request.user.get_username(),
            ip_address=client_ip(self.request),
        )
        messages.success(self.request, _("Your password has been changed."))
        return response
