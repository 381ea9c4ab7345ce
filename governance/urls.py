"""Governance pages, mounted under /governance/."""

from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("bodies/", views.BodyListView.as_view(), name="bodies"),
    path("bodies/<slug:code>/", views.BodyDetailView.as_view(), name="body"),
    path(
        "bodies/<slug:code>/meetings/new/",
        views.MeetingRecordView.as_view(),
        name="meeting_record",
    ),
    path("meetings/<int:meeting_id>/", views.MeetingDetailView.as_view(), name="meeting"),
    path(
        "meetings/<int:meeting_id>/decisions/new/",
        views.DecisionRecordView.as_view(),
        name="decision_record",
    ),
    path(
        "meetings/<int:meeting_id>/minutes.csv",
        views.MinutesCsvView.as_view(),
        name="minutes_csv",
    ),
    path(
        "meetings/<int:meeting_id>/minutes.pdf",
        views.MinutesPdfView.as_view(),
        name="minutes_pdf",
    ),
    path("decisions/<int:decision_id>/", views.DecisionDetailView.as_view(), name="decision"),
    path("applications/", views.ApplicationListView.as_view(), name="applications"),
    path("applications/new/", views.ApplicationSubmitView.as_view(), name="application_submit"),
    path(
        "applications/<int:application_id>/",
        views.ApplicationDetailView.as_view(),
        name="application",
    ),
    path(
        "applications/<int:application_id>/report/",
        views.ApplicationReportView.as_view(),
        name="application_report",
    ),
    path("plans/", views.PlanListView.as_view(), name="plans"),
    path(
        "bodies/<slug:code>/plans/new/",
        views.PlanCreateView.as_view(),
        name="plan_create",
    ),
    path("plans/<int:plan_id>/", views.PlanDetailView.as_view(), name="plan"),
    path(
        "plans/<int:plan_id>/versions/new/",
        views.PlanVersionAddView.as_view(),
        name="plan_version_add",
    ),
    path(
        "plans/<int:plan_id>/versions/<int:number>/",
        views.PlanVersionDetailView.as_view(),
        name="plan_version",
    ),
    path(
        "organisations/<slug:code>/services/new/",
        views.ServiceRegisterView.as_view(),
        name="service_register",
    ),
]
