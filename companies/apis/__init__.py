"""Companies API: service clients see who they are; people manage their company's access.

The access-management endpoints (``/api/v1/company/…``) always work on the caller's acting
company, resolved from the session into ``request.acting``; a company id never comes from the
request. Reading needs a session at level substantial and the engine's ``companies.view``;
writing goes through the services, which ask the engine for the act's authority and level high.
Another company's objects answer 404, like missing ones.

The views live in submodules by what they serve (``clients``, ``company``, ``collaborators``,
``grants``, ``grant_files``, ``managers``, ``overview``); the pieces they share are in
``_common``. Import them from here.
"""

from companies.apis.clients import ServiceClientMeApi
from companies.apis.collaborators import (
    CompanyCollaboratorListApi,
    CompanyCollaboratorRetrieveApi,
)
from companies.apis.company import CompanyRetrieveApi
from companies.apis.grant_files import CompanyGrantExportApi, CompanyGrantImportApi
from companies.apis.grants import (
    CompanyGrantCreateApi,
    CompanyGrantListApi,
    CompanyGrantRetrieveApi,
    CompanyGrantRevokeApi,
    CompanyGrantsApi,
)
from companies.apis.managers import (
    CompanyManagerDesignateApi,
    CompanyManagerEndApi,
    CompanyManagerListApi,
    CompanyManagersApi,
)
from companies.apis.overview import CompanyHistoryListApi, CompanyMatrixApi

__all__ = [
    "CompanyCollaboratorListApi",
    "CompanyCollaboratorRetrieveApi",
    "CompanyGrantCreateApi",
    "CompanyGrantExportApi",
    "CompanyGrantImportApi",
    "CompanyGrantListApi",
    "CompanyGrantRetrieveApi",
    "CompanyGrantRevokeApi",
    "CompanyGrantsApi",
    "CompanyHistoryListApi",
    "CompanyManagerDesignateApi",
    "CompanyManagerEndApi",
    "CompanyManagerListApi",
    "CompanyManagersApi",
    "CompanyMatrixApi",
    "CompanyRetrieveApi",
    "ServiceClientMeApi",
]
