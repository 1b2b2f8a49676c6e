"""The API under /api/v1/ (a breaking change gets /api/v2/), and the token pages under the account."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import activities, evaluations, imobex, notifications, pages, periods, views
from .calendars import views as calendars

app_name = "api"

v1 = [
    path("projects/", views.ProjectList.as_view(), name="project-list"),
    path("projects/<str:code>/", views.ProjectDetail.as_view(), name="project-detail"),
    path("projects/<str:code>/activities/", activities.ActivityList.as_view(), name="activity-list"),
    path("projects/<str:code>/activities/changes/", activities.ActivityChanges.as_view(), name="activity-changes"),
    path("projects/<str:code>/activities/<int:pk>/", activities.ActivityDetail.as_view(), name="activity-detail"),
    path(
        "projects/<str:code>/activities/<int:pk>/evaluations/",
        evaluations.ActivityEvaluations.as_view(),
        name="activity-evaluations",
    ),
    path(
        "projects/<str:code>/activities/<int:pk>/<str:action>/",
        activities.ActivityTransition.as_view(),
        name="activity-transition",
    ),
    path("projects/<str:code>/findings/", imobex.FindingList.as_view(), name="finding-list"),
    path("projects/<str:code>/findings/changes/", imobex.FindingChanges.as_view(), name="finding-changes"),
    path("projects/<str:code>/findings/<int:pk>/", imobex.FindingDetail.as_view(), name="finding-detail"),
    path("projects/<str:code>/coverage/", imobex.CoverageList.as_view(), name="coverage-list"),
    path("projects/<str:code>/coverage/changes/", imobex.CoverageChanges.as_view(), name="coverage-changes"),
    path("projects/<str:code>/coverage/<str:country>/", imobex.CoverageDetail.as_view(), name="coverage-detail"),
    path("projects/<str:code>/coverage/<str:country>/state/", imobex.CoverageState.as_view(), name="coverage-state"),
    path("projects/<str:code>/reporting-periods/", periods.PeriodList.as_view(), name="period-list"),
    path("projects/<str:code>/reporting-periods/<int:pk>/", periods.PeriodDetail.as_view(), name="period-detail"),
    path("notifications/", notifications.NotificationList.as_view(), name="notification-list"),
    path("notifications/read/", notifications.NotificationReadAll.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", notifications.NotificationRead.as_view(), name="notification-read"),
    # REST framework's views answer a visitor themselves (401: LoginRequiredMiddleware lets them through); the
    # documentation is a page of the portal, for which a visitor logs in first
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    re_path(r"^api/(?P<rest>.*)$", views.NotFoundView.as_view(), name="not-found"),
    path("account/api-tokens/", pages.token_list, name="token-list"),
    path("account/api-tokens/<int:pk>/revoke/", pages.token_revoke, name="token-revoke"),
    # private calendar feeds (api.calendars): the feed answers without a session, its token is the key
    path("calendars/<str:token>.ics", calendars.feed, name="calendar-feed"),
    path("account/calendars/", calendars.feed_list, name="calendar-list"),
    path("account/calendars/<int:pk>/revoke/", calendars.feed_revoke, name="calendar-revoke"),
]
