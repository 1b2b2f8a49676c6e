from django.urls import path, re_path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("account/", views.account_settings, name="account-settings"),
    path("audit/", views.audit_trail, name="audit-trail"),
    re_path(r"^audit/export\.(?P<fmt>csv|xlsx)$", views.audit_trail_export, name="audit-trail-export"),
    path("pick/<slug:key>/", views.pick, name="pick"),
    path("projects/<str:code>/", views.project_detail, name="project-detail"),
    path("projects/<str:code>/pick/<slug:key>/", views.project_pick, name="project-pick"),
    path("projects/<str:code>/jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("projects/<str:code>/jobs/<uuid:pk>/download/", views.job_download, name="job-download"),
    path("projects/<str:code>/timeline/", views.timeline, name="timeline"),
    path("projects/<str:code>/workstreams/<int:number>/", views.workstream_detail, name="workstream-detail"),
    re_path(
        r"^projects/(?P<code>[^/]+)/workstreams/(?P<number>[0-9]+)/tasks/export\.(?P<fmt>csv|xlsx)$",
        views.task_export,
        name="task-export",
    ),
    path("projects/<str:code>/workstreams/<int:number>/tasks/add/", views.task_add, name="task-add"),
    path("projects/<str:code>/tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("projects/<str:code>/milestones/<int:pk>/status/", views.milestone_status, name="milestone-status"),
    path("projects/<str:code>/deliverables/<int:pk>/status/", views.deliverable_status, name="deliverable-status"),
    path(
        "projects/<str:code>/deliverables/<int:pk>/evidence/", views.deliverable_evidence, name="deliverable-evidence"
    ),
]
