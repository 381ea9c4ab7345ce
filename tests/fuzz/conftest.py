"""Fuzz tests: no input gives an unexpected exception or a 500. See profiles.py for the budget."""

from tests.fuzz import profiles  # noqa: F401 - loads the Hypothesis profile before any test
