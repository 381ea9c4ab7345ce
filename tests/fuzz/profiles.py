"""How hard the fuzz tests try: a small fixed budget in the suite, a large one in `make fuzz`.

``HYPOTHESIS_PROFILE=suite`` (the default): few examples, derandomised, so a suite run is quick and
gives the same result every time. ``HYPOTHESIS_PROFILE=fuzz``: fifty times the examples, drawn
anew on every run. A failure prints the smallest input found and a blob to replay it with
``@reproduce_failure``.
"""

import os

from hypothesis import HealthCheck, settings

_SHARED = {
    "deadline": None,  # the database and the first request of a test are slow; only 500s matter
    "database": None,  # nothing written next to the sources; the failure report has the input
    "print_blob": True,
    # Each example runs inside the test's database transaction (function-scoped fixtures), and
    # all examples share it on purpose: state left by one request is input for the next.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
SUITE_EXAMPLES = 100

settings.register_profile("suite", max_examples=SUITE_EXAMPLES, derandomize=True, **_SHARED)
settings.register_profile("fuzz", max_examples=50 * SUITE_EXAMPLES, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


def budget(suite_examples: int) -> int:
    """``suite_examples`` in the suite, scaled up like the profile's default in `make fuzz`."""
    return max(1, suite_examples * settings.default.max_examples // SUITE_EXAMPLES)


def long_run() -> bool:
    """Whether this is `make fuzz` (or another profile above the suite's budget)."""
    return settings.default.max_examples > SUITE_EXAMPLES
