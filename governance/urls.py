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
    path(
        "organisations/<slug:code>/services/new/",
        views.ServiceRegisterView.as_view(),
        name="service_register",
    ),
]
