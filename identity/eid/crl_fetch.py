"""Fetching the certificate authorities' revocation lists for the cache (a periodic task)."""

import logging
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlparse

from identity.eid.certificates import crl_store_put
from identity.eid.exceptions import CrlInvalid

logger = logging.getLogger(__name__)

# Real CRLs of the Belgian citizen CAs run to megabytes; anything far larger is not one.
MAX_CRL_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 20


@dataclass
class CrlRefreshReport:
    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _download(url: str) -> bytes:
    if urlparse(url).scheme not in {"http", "https"}:
        raise ValueError("only http and https URLs are fetched")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked above
        body = response.read(MAX_CRL_BYTES + 1)
    if len(body) > MAX_CRL_BYTES:
        raise ValueError("response too large for a CRL")
    return body


def eid_crls_refresh(*, urls: list[str]) -> CrlRefreshReport:
    """Download each CRL and store it after its checks (`crl_store_put`).

    One failing URL does not stop the others; each failure is logged and reported. Idempotent: a
    CRL no newer than the cached one is left alone.
    """
    report = CrlRefreshReport()
    for url in urls:
        try:
            stored = crl_store_put(_download(url))
        except (OSError, ValueError, CrlInvalid) as exc:
            logger.warning("CRL from %s not stored: %s", url, exc)
            report.failed[url] = str(exc)
            continue
        (report.stored if stored else report.unchanged).append(url)
    return report
