"""Forms of the identity app."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from identity.numbers import parse_national_number


class LoginForm(AuthenticationForm):
    """Username and password (level low)."""

    error_messages = {
        "invalid_login": _("The username or password is not correct. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolmentForm(forms.Form):
    activation_code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        required=False,
        help_text=_("The code a registration office gave you (not needed after an eID log-in)."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: object, activation_required: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activation_code"].required = activation_required
        if not activation_required:
            del self.fields["activation_code"]


class NationalNumberField(forms.CharField):
    """A national register number typed by a person; separators allowed, stored as digits."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("National register number"))
        super().__init__(**kwargs)

    def clean(self, value: object) -> str:
        value = super().clean(value)
        if not value and not self.required:
            return ""
        return parse_national_number(value).digits
