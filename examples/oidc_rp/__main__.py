"""Run the example service: ``python -m examples.oidc_rp`` (settings from the environment)."""

import os
from wsgiref.simple_server import make_server

from examples.oidc_rp.app import Settings, make_app


def main() -> None:
    port = int(os.environ.get("RP_PORT", "8001"))
    settings = Settings(
        issuer=os.environ.get("RP_ISSUER", "http://127.0.0.1:8000/oidc"),
        client_id=os.environ["RP_CLIENT_ID"],
        client_secret=os.environ["RP_CLIENT_SECRET"],
        redirect_uri=os.environ.get("RP_REDIRECT_URI", f"http://127.0.0.1:{port}/callback"),
        acr_values=os.environ.get("RP_ACR_VALUES", "substantial"),
    )
    with make_server("127.0.0.1", port, make_app(settings)) as server:
        print(f"Example service on http://127.0.0.1:{port}/")  # noqa: T201
        server.serve_forever()


if __name__ == "__main__":
    main()
