"""Fixtures of the operations tests: the JSON log output as the configured handler writes it."""

import io
import json
import logging
from collections.abc import Iterator

import pytest


class JsonLog:
    """The lines the portal's configured console handler (settings.LOGGING: its filters and the
    JSON formatter) writes during a test, parsed. Calling it returns them so far."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self._restore: list[tuple[logging.StreamHandler, object]] = []

    def attach(self) -> None:
        """Point the console handler at the buffer; again after something (an embedded Celery
        worker sets Django up again) configured logging anew."""
        [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
        assert handler.formatter.__class__.__name__ == "JsonFormatter"
        previous = handler.setStream(self.buffer)
        if previous is not self.buffer:
            self._restore.append((handler, previous))

    def detach(self) -> None:
        for handler, stream in reversed(self._restore):
            handler.setStream(stream)

    def __call__(self) -> list[dict]:
        return [json.loads(line) for line in self.buffer.getvalue().splitlines() if line.strip()]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.INFO)
    log = JsonLog()
    log.attach()
    try:
        yield log
    finally:
        log.detach()
        root.setLevel(previous_level)
