from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("projects/<str:code>/dashboard/", views.dashboard, name="dashboard"),
    path("projects/<str:code>/dashboard/due/", views.due_list, name="due-list"),
    path("projects/<str:code>/dashboard/export.<str:fmt>", views.dashboard_export, name="dashboard-export"),
    path("projects/<str:code>/reports/", views.report_list, name="report-list"),
    path("projects/<str:code>/reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("projects/<str:code>/reports/<int:pk>/preview/", views.report_preview, name="report-preview"),
    path(
        "projects/<str:code>/reports/<int:pk>/preview/<str:audience>/<str:section>/",
        views.report_section,
        name="report-section",
    ),
    path("projects/<str:code>/reports/<int:pk>/generate/", views.report_generate, name="report-generate"),
    path("projects/<str:code>/reports/<int:pk>/files/", views.report_files, name="report-files"),
    path("projects/<str:code>/reports/<int:pk>/submit/", views.report_submit, name="report-submit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
]
