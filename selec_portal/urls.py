from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from . import views

# Login and accounts are allauth's (under accounts/: two factors, password reset, sessions), with the portal's
# addresses for the login, the logout and the password change.
urlpatterns = [
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("account/password/", account_views.password_change, name="password_change"),
    path("accounts/", include("allauth.urls")),
    # The same pages under allauth's names: defined after allauth's own, they are what its names reverse to.
    path("login/", account_views.login, name="account_login"),
    path("logout/", account_views.logout, name="account_logout"),
    path("account/password/", account_views.password_change, name="account_change_password"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("csp-report", views.csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("projects.urls")),
    path("", include("conferences.urls")),
    path("", include("operations.urls")),
    path("", include("imobex.urls")),
    path("", include("reporting.urls")),
]

# Errors Django answers itself: the portal's pages, problem details under /api/ (api.problems).
handler400 = "api.problems.bad_request"
handler403 = "api.problems.permission_denied"
handler404 = "api.problems.page_not_found"
handler500 = "api.problems.server_error"
