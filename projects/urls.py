from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("account/", views.account_settings, name="account-settings"),
    path("projects/<str:code>/", views.project_detail, name="project-detail"),
    path("projects/<str:code>/jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("projects/<str:code>/jobs/<uuid:pk>/download/", views.job_download, name="job-download"),
]
