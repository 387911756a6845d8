"""Root URLs: the admin for officers and approvers, the auditor site for everyone who reads."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from commitments.views.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="exposure", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("", include("commitments.urls")),
]
