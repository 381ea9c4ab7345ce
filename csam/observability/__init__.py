"""Operations: structured logs with a request id, Prometheus metrics and the Celery hooks that
carry both into background tasks.

It sits below every app (it imports none of them), so any app may call it; it is wired in
through settings (logging, middleware), `csam.celery` (signals) and `csam.urls` (``/metrics``).
Per-request work is kept to a few microseconds: no cache or database round trip is added to a
request, and metrics are plain in-memory (or memory-mapped) counters.
"""
