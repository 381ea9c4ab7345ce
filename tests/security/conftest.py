"""Fixtures of the security tests: a clock that tests move instead of sleeping."""

import datetime as dt
import time
from dataclasses import dataclass

import pytest

from csam.security import clock as security_clock


@dataclass
class Clock:
    at: float

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta).total_seconds()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze the security package's clock (counters, session timeouts); `advance` moves it."""
    frozen = Clock(at=float(int(time.time())))
    monkeypatch.setattr(security_clock, "now", lambda: frozen.at)
    return frozen
