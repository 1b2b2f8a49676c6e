from django.urls import path, re_path

from . import views

app_name = "operations"

urlpatterns = [
    path("projects/<str:code>/activities/", views.activity_list, name="activity-list"),
    re_path(
        r"^projects/(?P<code>[^/]+)/activities/export\.(?P<fmt>csv|xlsx)$",
        views.activity_export,
        name="activity-export",
    ),
    path("projects/<str:code>/activities/new/", views.activity_create, name="activity-create"),
    path("projects/<str:code>/activities/spocs/", views.spoc_directory, name="spoc-directory"),
    re_path(
        r"^projects/(?P<code>[^/]+)/activities/spocs/export\.(?P<fmt>csv|xlsx)$", views.spoc_export, name="spoc-export"
    ),
    path("projects/<str:code>/activities/numbers/", views.numbers, name="numbers"),
    path("projects/<str:code>/activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("projects/<str:code>/activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    re_path(
        r"^projects/(?P<code>[^/]+)/activities/(?P<pk>[0-9]+)/(?P<action>advance|submit|validate|return|reopen)/$",
        views.activity_transition,
        name="activity-transition",
    ),
    path("projects/<str:code>/activities/<int:pk>/evaluations/new/", views.evaluation_create, name="evaluation-create"),
    path("projects/<str:code>/activities/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path(
        "projects/<str:code>/activities/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
]
