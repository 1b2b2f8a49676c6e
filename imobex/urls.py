from django.urls import path, re_path

from . import views

app_name = "imobex"

P = "projects/<str:code>"

urlpatterns = [
    path(f"{P}/coverage/", views.coverage_board, name="coverage-board"),
    re_path(
        r"^projects/(?P<code>[^/]+)/coverage/export\.(?P<fmt>csv|xlsx)$", views.coverage_export, name="coverage-export"
    ),
    path(f"{P}/coverage/import/", views.coverage_import, name="coverage-import"),
    re_path(r"^projects/(?P<code>[^/]+)/coverage/(?P<country>[A-Z]{2})/$", views.coverage_edit, name="coverage-edit"),
    path(f"{P}/findings/", views.finding_list, name="finding-list"),
    path(f"{P}/findings/add/", views.finding_edit, name="finding-add"),
    path(f"{P}/findings/<int:pk>/edit/", views.finding_edit, name="finding-edit"),
    re_path(
        r"^projects/(?P<code>[^/]+)/findings/export\.(?P<fmt>csv|xlsx)$", views.finding_export, name="finding-export"
    ),
    path(f"{P}/road-map/", views.road_map, name="road-map"),
    path(f"{P}/road-map/barriers/add/", views.barrier_edit, name="barrier-add"),
    path(f"{P}/road-map/barriers/<int:pk>/edit/", views.barrier_edit, name="barrier-edit"),
    path(f"{P}/road-map/barriers/<int:barrier>/interventions/add/", views.intervention_edit, name="intervention-add"),
    path(f"{P}/road-map/interventions/<int:pk>/edit/", views.intervention_edit, name="intervention-edit"),
    path(f"{P}/road-map/versions/add/", views.roadmap_version_add, name="roadmap-version-add"),
    path(f"{P}/road-map/versions/<int:pk>/decide/", views.roadmap_version_decide, name="roadmap-version-decide"),
    path(f"{P}/road-map/versions/<int:pk>/download/", views.roadmap_version_download, name="roadmap-version-download"),
]
