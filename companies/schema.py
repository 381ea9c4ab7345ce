"""OpenAPI description of the service-client authentication (loaded by companies.apps)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ServiceClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "companies.authentication.ServiceClientAuthentication"
    name = "serviceClientKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An e-government service client's API key: `Authorization: Bearer csam_…`."
            ),
        }
