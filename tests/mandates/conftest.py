"""The `world` fixture lives in tests/factories/world.py (shared with the decision tests)."""

from tests.factories.world import World

__all__ = ["World"]
