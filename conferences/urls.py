from django.urls import path, re_path

from .views import events, participants, reports

app_name = "conferences"

EVENT = "projects/<str:code>/events/<int:pk>/"

urlpatterns = [
    path("projects/<str:code>/events/", events.event_list, name="event-list"),
    re_path(r"^projects/(?P<code>[^/]+)/events/export\.(?P<fmt>csv|xlsx)$", events.event_export, name="event-export"),
    re_path(
        r"^projects/(?P<code>[^/]+)/events/best-practices/export\.(?P<fmt>csv|xlsx)$",
        reports.practice_export,
        name="practice-library-export",
    ),
    path("projects/<str:code>/events/new/", events.event_create, name="event-create"),
    path("projects/<str:code>/events/compare/", reports.series_compare, name="event-compare"),
    path("projects/<str:code>/events/best-practices/", reports.practice_library, name="practice-library"),
    path(EVENT, events.event_detail, name="event-detail"),
    path(EVENT + "edit/", events.event_edit, name="event-edit"),
    path(EVENT + "status/", events.event_transition, name="event-transition"),
    path(EVENT + "programme/", events.event_programme, name="event-programme"),
    path(EVENT + "sessions/new/", events.session_edit, name="session-create"),
    path(EVENT + "sessions/<int:session_pk>/edit/", events.session_edit, name="session-edit"),
    path(EVENT + "sessions/<int:session_pk>/delete/", events.session_delete, name="session-delete"),
    path(EVENT + "best-practices/new/", events.practice_create, name="practice-create"),
    path(EVENT + "registrations/", participants.registration_list, name="registration-list"),
    path(EVENT + "registrations/new/", participants.registration_create, name="registration-create"),
    path(EVENT + "registrations/import/", participants.registration_import, name="registration-import"),
    path(
        EVENT + "registrations/import/confirm/",
        participants.registration_import_confirm,
        name="registration-import-confirm",
    ),
    path(EVENT + "registrations/export.<str:fmt>", participants.registration_export, name="registration-export"),
    path(
        EVENT + "registrations/<int:registration_pk>/delete/",
        participants.registration_delete,
        name="registration-delete",
    ),
    path(
        EVENT + "registrations/<int:registration_pk>/certificate.pdf",
        participants.certificate,
        name="certificate",
    ),
    path(EVENT + "certificates/", participants.certificates_all, name="certificates"),
    path(EVENT + "badges.pdf", participants.badges, name="badges"),
    path(EVENT + "check-in/", participants.checkin, name="checkin"),
    path(EVENT + "check-in/no-shows/", participants.checkin_no_shows, name="checkin-no-shows"),
    path(EVENT + "check-in/<int:registration_pk>/", participants.checkin_mark, name="checkin-mark"),
    path(EVENT + "feedback/", reports.feedback, name="feedback"),
    path(EVENT + "feedback/remind/", reports.feedback_remind, name="feedback-remind"),
    path(EVENT + "statistics/", reports.event_statistics, name="event-statistics"),
    path("best-practices/", reports.practice_library, name="practice-search"),
    re_path(r"^best-practices/export\.(?P<fmt>csv|xlsx)$", reports.practice_export, name="practice-search-export"),
    path("feedback/<uuid:token>/", reports.feedback_survey, name="feedback-survey"),
]
