from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demonstration data (`manage.py seed_demo`). Sits on top: it writes into every app."""

    name = "csam.demo"
    label = "demo"
