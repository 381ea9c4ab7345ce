"""The access manager's pages: who holds which role in the acting company, and changing that.

Every page works on the company the user acts for (``request.acting.company``), never on a
company named in the request. Reading is authorised by the engine (``companies.view``); changes
go through the services, which ask the engine themselves (and raise `StepUpRequired`, which the
middleware turns into the step-up page). Objects are looked up through selectors scoped to the
acting company, so another company's object is simply not found (404).

The views live in submodules by what they serve (``company``, ``collaborators``, ``grants``,
``grant_files``, ``managers``, ``overview``), named like their counterparts in
`companies.apis`; the pieces they share are in ``_common``. Import them from here.
"""

from companies.views.collaborators import CollaboratorDetailView, CollaboratorListView
from companies.views.company import CompanyDashboardView
from companies.views.grant_files import GrantExportView, GrantImportApplyView, GrantImportView
from companies.views.grants import GrantCreateView, GrantRevokeView
from companies.views.managers import ManagerDesignateView, ManagerEndView, ManagerListView
from companies.views.overview import AccessMatrixView, CompanyHistoryView

__all__ = [
    "AccessMatrixView",
    "CollaboratorDetailView",
    "CollaboratorListView",
    "CompanyDashboardView",
    "CompanyHistoryView",
    "GrantCreateView",
    "GrantExportView",
    "GrantImportApplyView",
    "GrantImportView",
    "GrantRevokeView",
    "ManagerDesignateView",
    "ManagerEndView",
    "ManagerListView",
]
