"""Helpers of the browser tests; the `browser` and `page` fixtures live in fixtures.py (see there
why) and reach every test through tests/conftest.py."""

from tests.browser.fixtures import (  # noqa: F401 - re-exported for the tests
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    assert_accessible,
    axe_serious_violations,
)
