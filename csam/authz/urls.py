from django.urls import path

from csam.authz import views

app_name = "authz"

urlpatterns = [
    path("", views.ActingChooseView.as_view(), name="acting_choose"),
]
