"""Writes in the companies app. Other apps import from here only."""

from companies.catalogue import catalogue_changed
from companies.rights_cache import rights_changed
from companies.services.access import (
    access_manager_designate,
    access_manager_end,
)
from companies.services.catalogue import service_register
from companies.services.clients import (
    KEY_SCHEME,
    service_client_create,
    service_client_issue_key,
    service_client_key_matches,
    split_api_key,
)
from companies.services.grants import (
    grant_create,
    grant_revoke,
    grants_expire,
)
from companies.services.imports import GrantImportResult, grants_import_csv
from companies.services.representatives import legal_representatives_import_csv

__all__ = [
    "KEY_SCHEME",
    "catalogue_changed",
    "rights_changed",
    "GrantImportResult",
    "access_manager_designate",
    "access_manager_end",
    "grant_create",
    "grant_revoke",
    "grants_expire",
    "grants_import_csv",
    "legal_representatives_import_csv",
    "service_client_create",
    "service_client_issue_key",
    "service_client_key_matches",
    "split_api_key",
    "service_register",
]
