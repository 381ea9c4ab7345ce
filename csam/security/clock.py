"""The one clock of the security package (seconds since the epoch).

Counters and session timeouts read the time only through `now()`, so tests can move time by
replacing this function instead of sleeping.
"""

import time


def now() -> float:
    return time.time()
