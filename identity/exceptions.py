"""Domain errors of the identity app."""

from django.utils.translation import gettext_lazy as _


class ActivationCodeInvalid(Exception):
    message = _(
        "This activation code is not valid: it is wrong, used already or expired. "
        "Ask a registration office for a new one, or log in with your eID card."
    )
