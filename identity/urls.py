from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from identity import views

app_name = "identity"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path(
        "login/eid-certificate/",
        views.EidClientCertificateLoginView.as_view(),
        name="eid_certificate_login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("step-up/", views.StepUpView.as_view(), name="step_up"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/authenticator/", views.OtpEnrolView.as_view(), name="otp_enrol"),
    path("security/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="identity/password_reset.html",
            email_template_name="identity/email/password_reset.txt",
            subject_template_name="identity/email/password_reset_subject.txt",
            success_url=reverse_lazy("identity:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="identity/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="identity/password_reset_confirm.html",
            success_url=reverse_lazy("identity:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="identity/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
