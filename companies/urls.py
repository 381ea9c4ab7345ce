"""The access manager's pages, mounted under /company/ (always the acting company)."""

from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.CompanyDashboardView.as_view(), name="dashboard"),
    path("collaborators/", views.CollaboratorListView.as_view(), name="collaborators"),
    path(
        "collaborators/<int:person_id>/",
        views.CollaboratorDetailView.as_view(),
        name="collaborator",
    ),
    path("grants/new/", views.GrantCreateView.as_view(), name="grant_create"),
    path("grants/<int:grant_id>/revoke/", views.GrantRevokeView.as_view(), name="grant_revoke"),
    path("managers/", views.ManagerListView.as_view(), name="managers"),
    path("managers/designate/", views.ManagerDesignateView.as_view(), name="manager_designate"),
    path("managers/<int:designation_id>/end/", views.ManagerEndView.as_view(), name="manager_end"),
    path("matrix/", views.AccessMatrixView.as_view(), name="matrix"),
    path("history/", views.CompanyHistoryView.as_view(), name="history"),
    path("import/", views.GrantImportView.as_view(), name="import"),
    path("import/apply/", views.GrantImportApplyView.as_view(), name="import_apply"),
    path("export.csv", views.GrantExportView.as_view(), name="export"),
]
