"""The permission matrix: every URL of the portal, who may GET and POST it, and what each one gets.

`tests/test_permission_matrix.py` lists every pattern of the URLconf (admin and third-party apps included) and
requests each one as each role below, with GET and with POST; a pattern without a row here, or a row whose
pattern is gone, fails the test. So a new URL needs a row before it lands.

The roles (built by `build_data_set`; ATHENA2 and IMOBEX are the projects of the rows):
- `anonymous`: not signed in;
- `viewer`, `staff`, `manager`: that role in ATHENA2 and in IMOBEX;
- `other`: staff of DTP-TOC only, a member of another project;
- `admin`: a superuser;
- `django_staff`: `is_staff` and every model permission, no superuser flag, no membership.

A row: `"namespace:url-name": Row(kwargs, get=..., post=...)`
- `kwargs`: a function of the data set (`Data`, below) giving the URL's keyword arguments;
- `get` / `post`: the expected answer per role, from one of the helpers that follow the access rule
  (`projects.access.Action`): `member(200)` (VIEW: other members and strangers get 404), `editor(302)` (EDIT:
  viewers get 403), `validator(200)` (VALIDATE or MANAGE: viewers and staff get 403), `signed_in(200)` (every
  signed-in user), `everyone(200)`, `superuser(200)`. Each helper takes the answer of the roles it allows and
  keyword overrides for single roles: `member(200, viewer=404)`.
- An answer is a status code, or `LOGIN` for the redirect to the login page. The API (/api/v1/) answers a visitor
  with 401, never the login page (`api_signed_in`, `api_member`).
- The POST is sent with no data (an empty form: the allowed roles see the form again with its errors, or the
  action runs when it needs no input), or with `data=lambda d: {...}` when a row gives it. Every case runs in a
  savepoint that is rolled back.
- A POST answered with a refusal (403, 404, 405, 400 or the login redirect) must change nothing in the database.
- A URL may have several rows (a list), e.g. a record that is sensitive and one that is not; give each a `label`.

Not in the table: `EXCLUDED` (with the reason). Admin URLs follow one rule, `admin_row`: superusers only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

ROLES = ("anonymous", "viewer", "other", "staff", "manager", "admin", "django_staff")
LOGIN = "login"
REFUSALS = {400, 401, 403, 404, 405, 412, 415, 422, 428, 429, LOGIN}
# A POST that logs out ends on the login page: the action is done, not refused (its writes: the audit entry of the
# logout, axes' log).
LOGOUTS = frozenset({"logout", "account_logout", "admin:logout"})

ATHENA, IMOBEX = "ATHENA2", "IMOBEX"


def _answers(anonymous, viewer, other, staff, manager, admin, django_staff, overrides) -> dict:
    answers = {
        "anonymous": anonymous,
        "viewer": viewer,
        "other": other,
        "staff": staff,
        "manager": manager,
        "admin": admin,
        "django_staff": django_staff,
    }
    unknown = set(overrides) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return answers | overrides


def member(ok, **overrides) -> dict:
    """Action.VIEW: the project's members and superusers; others do not learn the project exists (404)."""
    return _answers(LOGIN, ok, 404, ok, ok, ok, 404, overrides)


def editor(ok, **overrides) -> dict:
    """Action.EDIT: staff, managers and superusers; viewers are refused (403)."""
    return _answers(LOGIN, 403, 404, ok, ok, ok, 404, overrides)


def validator(ok, **overrides) -> dict:
    """Action.VALIDATE / MANAGE: managers and superusers; viewers and staff are refused (403)."""
    return _answers(LOGIN, 403, 404, 403, ok, ok, 404, overrides)


def signed_in(ok, **overrides) -> dict:
    """Any signed-in user (pages of one's own: account, notifications), or a check before access (405)."""
    return _answers(LOGIN, ok, ok, ok, ok, ok, ok, overrides)


def everyone(ok, **overrides) -> dict:
    """No sign-in needed."""
    return _answers(ok, ok, ok, ok, ok, ok, ok, overrides)


def superuser(ok, **overrides) -> dict:
    """The Django admin: superusers only; `is_staff` opens nothing (403), visitors are sent to the login."""
    return _answers(LOGIN, 403, 403, 403, 403, ok, 403, overrides)


def api_signed_in(ok, **overrides) -> dict:
    """An endpoint of the API any signed-in user (or token) may use; a visitor gets 401, not the login page."""
    return signed_in(ok, **({"anonymous": 401} | overrides))


def api_member(ok, **overrides) -> dict:
    """An endpoint of the API about a project: as `member`, but a visitor gets 401."""
    return member(ok, **({"anonymous": 401} | overrides))


def api_editor(ok, **overrides) -> dict:
    """A write of the API (Action.EDIT): as `editor`, but a visitor gets 401."""
    return editor(ok, **({"anonymous": 401} | overrides))


def api_validator(ok, **overrides) -> dict:
    """A read or write of the API for managers (Action.VALIDATE / MANAGE): as `validator`, but a visitor gets 401."""
    return validator(ok, **({"anonymous": 401} | overrides))


def if_match(version: str) -> Callable[[Data], dict]:
    """The If-Match header of an API write: the ETag of the data set's record at its version (`activity_version`)."""
    return lambda d: {"If-Match": f'"{getattr(d, version)}"'}


@dataclass
class Data:
    """The data set every case runs on: one object of every kind the URLs need (pks, codes, tokens)."""

    users: dict = field(default_factory=dict)
    workstream: int = 0  # its number in ATHENA2
    task: int = 0
    milestone: int = 0
    deliverable: int = 0  # with an evidence file
    job: uuid.UUID | None = None  # started by staff, with a result: for everyone in ATHENA2
    manager_job: uuid.UUID | None = None  # started by a manager: for the managers only
    event: int = 0  # a held ATHENA2 workshop with sessions, registrations, attendance
    event_version: int = 0  # its version (the If-Match of its change of status)
    session: int = 0
    registration: int = 0  # attended
    feedback_token: uuid.UUID | None = None
    activity: int = 0  # an ATHENA2 joint activity, completed, not sensitive
    activity_version: int = 1  # the version of both activities (for their transition buttons)
    sensitive_activity: int = 0
    attachment: int = 0  # of `activity`
    sensitive_attachment: int = 0  # of `sensitive_activity`
    finding: int = 0
    barrier: int = 0
    intervention: int = 0
    version: int = 0  # a road-map version submitted, with its document
    period: int = 0  # an ATHENA2 reporting period
    api_token: int = 0  # a personal API token of the staff user
    notification: int = 0  # an unread notification of the staff user
    calendar_feed: int = 0  # a calendar feed of ATHENA2, of the staff user
    calendar_token: str = ""  # its token: whoever holds it reads the feed, signed in or not
    admin_objects: dict = field(default_factory=dict)  # admin URL name -> kwargs
    admin_missing: set = field(default_factory=set)  # admin URL names of a record the data set does not have


@dataclass(frozen=True)
class Row:
    kwargs: Callable[[Data], dict]
    get: dict
    post: dict
    label: str = ""
    data: Callable[[Data], dict] | None = None  # the POST's body (default: empty)
    json: bool = False  # the API: the body sent as JSON, with `headers` (an If-Match)
    headers: Callable[[Data], dict] | None = None


def at(code: str, **names) -> Callable[[Data], dict]:
    """kwargs of a project page: the code, and for each other argument the data set's attribute of that name
    (`pk="event"`) or a fixed value given as a function (`fmt=lambda: "csv"`)."""
    return lambda d: {
        "code": code,
        **{arg: attr() if callable(attr) else getattr(d, attr) for arg, attr in names.items()},
    }


def fixed(**kwargs) -> Callable[[Data], dict]:
    return lambda d: dict(kwargs)


NONE_405 = signed_in(405)  # a GET of a POST-only action: refused before any access check, to signed-in users

URLS: dict[str, Row | list[Row]] = {
    # --- the site and accounts -------------------------------------------------------------------------------------
    # Signed-in users are sent on from the login page; logging out (POST only) ends on the login page.
    "login": Row(fixed(), get=signed_in(302, anonymous=200), post=signed_in(302, anonymous=200)),
    "logout": Row(fixed(), get=signed_in(200), post=everyone(LOGIN)),  # GET: allauth asks to confirm
    "password_change": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    # allauth's pages (accounts/): login, logout and password change under their allauth names too; sign-up closed
    "account_login": Row(fixed(), get=signed_in(302, anonymous=200), post=signed_in(302, anonymous=200)),
    "account_logout": Row(fixed(), get=signed_in(200), post=everyone(LOGIN)),
    "account_change_password": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    "account_set_password": Row(fixed(), get=signed_in(302), post=signed_in(302)),
    "account_inactive": Row(fixed(), get=everyone(200), post=everyone(405)),
    "account_signup": Row(fixed(), get=signed_in(302, anonymous=200), post=signed_in(302, anonymous=200)),
    "account_email": Row(fixed(), get=signed_in(200), post=signed_in(302)),
    "account_email_verification_sent": Row(fixed(), get=everyone(200), post=everyone(405)),
    "account_confirm_email": Row(fixed(key="not-a-key"), get=everyone(200), post=everyone(404)),
    "account_confirm_login_code": Row(fixed(), get=everyone(302, anonymous=LOGIN), post=everyone(302, anonymous=LOGIN)),
    "account_reauthenticate": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    "account_reset_password": Row(fixed(), get=everyone(200), post=everyone(200)),
    "account_reset_password_done": Row(fixed(), get=everyone(200), post=everyone(405)),
    "account_reset_password_from_key": Row(fixed(uidb36="zz", key="not-a-key"), get=everyone(200), post=everyone(200)),
    "account_reset_password_from_key_done": Row(fixed(), get=everyone(200), post=everyone(405)),
    # the second factor (mfa) and one's sessions (usersessions)
    # Who has a factor (the manager and the admin here) is asked for it again; who has none is sent on (302) or
    # finds no factor to manage (404).
    "mfa_index": Row(fixed(), get=signed_in(200), post=signed_in(405)),
    "mfa_authenticate": Row(fixed(), get=everyone(302, anonymous=LOGIN), post=everyone(302, anonymous=LOGIN)),
    "mfa_reauthenticate": Row(
        fixed(), get=signed_in(302, manager=200, admin=200), post=signed_in(302, manager=200, admin=200)
    ),
    "mfa_activate_totp": Row(fixed(), get=signed_in(302), post=signed_in(302)),
    "mfa_deactivate_totp": Row(
        fixed(), get=signed_in(404, manager=302, admin=302), post=signed_in(404, manager=302, admin=302)
    ),
    "mfa_view_recovery_codes": Row(fixed(), get=signed_in(404, manager=302, admin=302), post=signed_in(405)),
    "mfa_generate_recovery_codes": Row(fixed(), get=signed_in(302), post=signed_in(302)),
    "mfa_download_recovery_codes": Row(
        fixed(), get=signed_in(404, manager=302, admin=302), post=signed_in(404, manager=302, admin=302)
    ),
    "usersessions_list": Row(fixed(), get=signed_in(200), post=signed_in(302)),
    # browsers' reports of Content Security Policy violations: no sign-in, POST only, an empty body refused
    "csp-report": Row(fixed(), get=everyone(405), post=everyone(400)),
    # the audit trail: administrators only; read-only
    "projects:audit-trail": Row(fixed(), get=superuser(200), post=signed_in(405)),
    "projects:audit-trail-export": Row(fixed(fmt="csv"), get=superuser(200), post=signed_in(405)),
    "favicon": Row(fixed(), get=everyone(301), post=everyone(405)),
    "healthz": Row(fixed(), get=everyone(200), post=everyone(405)),
    "livez": Row(fixed(), get=everyone(200), post=everyone(405)),
    "projects:portfolio": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    "projects:account-settings": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    "reporting:notifications": Row(fixed(), get=signed_in(200), post=signed_in(302)),
    "reporting:notification-settings": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    # --- the API (/api/v1/) and the personal tokens' pages -----------------------------------------------------------
    # The endpoints only read so far: a POST is 405 to a signed-in user (before any access check), 401 to a visitor.
    "api:project-list": Row(fixed(), get=api_signed_in(200), post=api_signed_in(405)),
    "api:project-detail": [
        Row(at(ATHENA), get=api_member(200), post=api_signed_in(405), label="ATHENA2"),
        Row(fixed(code="NO-SUCH"), get=api_signed_in(404), post=api_signed_in(405), label="no such project"),
    ],
    "api:schema": Row(fixed(), get=api_signed_in(200), post=api_signed_in(405)),
    # an empty JSON body: those who may log an activity get the forms' errors (400)
    "api:activity-list": Row(at(ATHENA), get=api_member(200), post=api_editor(400), json=True),
    "api:activity-changes": Row(at(ATHENA), get=api_member(200), post=api_signed_in(405)),
    "api:registration-changes": Row(at(ATHENA), get=api_member(200), post=api_signed_in(405)),
    "api:activity-detail": [
        Row(at(ATHENA, pk="activity"), get=api_member(200), post=api_signed_in(405), label="not sensitive"),
        Row(
            at(ATHENA, pk="sensitive_activity"),
            get=api_validator(200, viewer=404, staff=404),
            post=api_signed_in(405),
            label="sensitive",
        ),
    ],
    "api:activity-evaluations": [
        Row(at(ATHENA, pk="activity"), get=api_member(200), post=api_editor(400), json=True, label="not sensitive"),
        Row(
            at(ATHENA, pk="sensitive_activity"),
            get=api_validator(200, viewer=404, staff=404),
            post=api_editor(400, staff=404),
            json=True,
            label="sensitive",
        ),
    ],
    "api:activity-transition": [
        Row(
            at(ATHENA, pk="activity", action=lambda: "submit"),
            get=api_signed_in(405),
            post=api_editor(200),
            json=True,
            headers=if_match("activity_version"),
            label="not sensitive",
        ),
        Row(
            at(ATHENA, pk="sensitive_activity", action=lambda: "submit"),
            get=api_signed_in(405),
            post=api_editor(200, viewer=404, staff=404),
            json=True,
            headers=if_match("activity_version"),
            label="sensitive",
        ),
    ],
    # IMOBEX's findings and coverage; an empty JSON body: those who may write get the form's errors (400)
    "api:finding-list": Row(at(IMOBEX), get=api_member(200), post=api_editor(400), json=True),
    "api:finding-changes": Row(at(IMOBEX), get=api_member(200), post=api_signed_in(405)),
    "api:finding-detail": Row(at(IMOBEX, pk="finding"), get=api_member(200), post=api_signed_in(405)),
    "api:coverage-list": Row(at(IMOBEX), get=api_member(200), post=api_signed_in(405)),
    "api:coverage-changes": Row(at(IMOBEX), get=api_member(200), post=api_signed_in(405)),
    "api:coverage-detail": Row(at(IMOBEX, country=lambda: "RO"), get=api_member(200), post=api_signed_in(405)),
    "api:coverage-state": Row(
        at(IMOBEX, country=lambda: "RO"),
        get=api_signed_in(405),
        post=api_editor(400),
        json=True,
        headers=lambda d: {"If-Match": '"0"'},
    ),
    # reporting periods: read only; the user's own notifications (another's is not found)
    "api:period-list": Row(at(ATHENA), get=api_member(200), post=api_signed_in(405)),
    "api:period-detail": Row(at(ATHENA, pk="period"), get=api_member(200), post=api_signed_in(405)),
    "api:notification-list": Row(fixed(), get=api_signed_in(200), post=api_signed_in(405)),
    "api:notification-read-all": Row(fixed(), get=api_signed_in(405), post=api_signed_in(200), json=True),
    "api:notification-read": Row(
        lambda d: {"pk": d.notification}, get=api_signed_in(405), post=api_signed_in(404, staff=200), json=True
    ),
    # events, registrations and check-in: the matrix's event is held (final), so an editor's empty JSON body is refused
    # with the fields at fault (400): the event to plan, a status, a day, the person to register
    "api:event-list": Row(at(ATHENA), get=api_member(200), post=api_editor(400), json=True),
    "api:event-changes": Row(at(ATHENA), get=api_member(200), post=api_signed_in(405)),
    "api:event-detail": Row(at(ATHENA, pk="event"), get=api_member(200), post=api_signed_in(405)),
    "api:event-transition": Row(
        at(ATHENA, pk="event"),
        get=api_signed_in(405),
        post=api_editor(400),
        json=True,
        headers=if_match("event_version"),
    ),
    "api:event-no-shows": Row(at(ATHENA, pk="event"), get=api_signed_in(405), post=api_editor(400), json=True),
    "api:registration-list": Row(at(ATHENA, pk="event"), get=api_member(200), post=api_editor(400), json=True),
    "api:registration-detail": Row(
        at(ATHENA, pk="event", rid="registration"), get=api_member(200), post=api_signed_in(405)
    ),
    "api:registration-attendance": Row(
        at(ATHENA, pk="event", rid="registration"), get=api_signed_in(405), post=api_editor(400), json=True
    ),
    "api:docs": Row(fixed(), get=signed_in(200), post=signed_in(405)),  # a page: visitors log in first
    "api:not-found": Row(fixed(rest="v1/nothing/"), get=everyone(404), post=everyone(404)),
    "api:token-list": Row(fixed(), get=signed_in(200), post=signed_in(200)),  # an empty POST: the form's errors
    "api:token-revoke": Row(lambda d: {"pk": d.api_token}, get=NONE_405, post=signed_in(404, staff=302)),
    # private calendar feeds: the feed answers whoever holds its token (no sign-in, GET only); the pages are one's own
    "api:calendar-feed": [
        Row(lambda d: {"token": d.calendar_token}, get=everyone(200), post=everyone(405), label="a live feed"),
        Row(fixed(token="selec_no-such-feed"), get=everyone(404), post=everyone(405), label="an unknown token"),
    ],
    "api:calendar-list": Row(fixed(), get=signed_in(200), post=signed_in(200)),  # an empty POST: the form's errors
    "api:calendar-revoke": Row(lambda d: {"pk": d.calendar_feed}, get=NONE_405, post=signed_in(404, staff=302)),
    # --- a project, its workstreams and jobs -----------------------------------------------------------------------
    "projects:project-detail": Row(at(ATHENA), get=member(200), post=member(200)),
    # the searches of the pickers (projects.pickers): JSON, GET only; the records of the role's own pages
    "projects:pick": [
        Row(fixed(key="organisations"), get=signed_in(200), post=signed_in(405), label="reference data"),
        Row(fixed(key="countries"), get=signed_in(200), post=signed_in(405), label="countries"),
        Row(fixed(key="scope-countries"), get=signed_in(200), post=signed_in(405), label="IMOBEX's countries"),
        Row(fixed(key="events"), get=signed_in(404), post=signed_in(405), label="a project's picker"),
        Row(fixed(key="nothing"), get=signed_in(404), post=signed_in(405), label="no such picker"),
    ],
    "projects:project-pick": [
        *[
            Row(at(ATHENA, key=lambda k=key: k), get=member(200), post=signed_in(405), label=key)
            for key in ("events", "discussion-events", "participants", "activities", "related-activities", "officers")
        ],
        Row(at(ATHENA, key=lambda: "members"), get=editor(200), post=signed_in(405), label="members"),
        Row(at(IMOBEX, key=lambda: "activities"), get=signed_in(404), post=signed_in(405), label="not in IMOBEX"),
        Row(at(ATHENA, key=lambda: "organisations"), get=signed_in(404), post=signed_in(405), label="not scoped"),
    ],
    "projects:timeline": Row(at(ATHENA), get=member(200), post=member(200)),
    "projects:workstream-detail": Row(at(ATHENA, number="workstream"), get=member(200), post=member(200)),
    "projects:task-export": Row(at(ATHENA, number="workstream", fmt=lambda: "csv"), get=member(200), post=member(200)),
    "projects:task-add": Row(at(ATHENA, number="workstream"), get=editor(200), post=editor(200)),
    "projects:task-edit": Row(at(ATHENA, pk="task"), get=editor(200), post=editor(200)),
    "projects:milestone-status": Row(at(ATHENA, pk="milestone"), get=editor(200), post=editor(200)),
    "projects:deliverable-status": Row(at(ATHENA, pk="deliverable"), get=editor(200), post=editor(200)),
    "projects:deliverable-evidence": Row(at(ATHENA, pk="deliverable"), get=member(200), post=member(200)),
    "projects:job-detail": [
        Row(at(ATHENA, pk="job"), get=member(200), post=member(200), label="for everyone"),
        Row(
            at(ATHENA, pk="manager_job"),
            get=validator(200, viewer=404, staff=404),
            post=validator(200, viewer=404, staff=404),
            label="for managers",
        ),
    ],
    "projects:job-download": [
        Row(at(ATHENA, pk="job"), get=member(200), post=member(200), label="for everyone"),
        Row(
            at(ATHENA, pk="manager_job"),
            get=validator(200, viewer=404, staff=404),
            post=validator(200, viewer=404, staff=404),
            label="for managers",
        ),
    ],
    # --- conferences: events, participants, feedback ---------------------------------------------------------------
    "conferences:event-list": Row(at(ATHENA), get=member(200), post=member(200)),
    "conferences:event-export": Row(at(ATHENA, fmt=lambda: "csv"), get=member(200), post=member(200)),
    "conferences:event-create": Row(at(ATHENA), get=editor(200), post=editor(200)),
    "conferences:event-compare": Row(at(ATHENA), get=validator(200), post=validator(200)),
    "conferences:practice-library": Row(at(ATHENA), get=member(200), post=member(200)),
    "conferences:practice-library-export": Row(at(ATHENA, fmt=lambda: "csv"), get=member(200), post=member(200)),
    "conferences:practice-search": Row(fixed(), get=signed_in(200), post=signed_in(200)),
    "conferences:practice-search-export": Row(fixed(fmt="csv"), get=signed_in(200), post=signed_in(200)),
    "conferences:event-detail": Row(at(ATHENA, pk="event"), get=member(200), post=member(200)),
    "conferences:event-edit": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:event-transition": Row(at(ATHENA, pk="event"), get=NONE_405, post=editor(302)),
    "conferences:event-programme": Row(at(ATHENA, pk="event"), get=member(200), post=member(200)),
    "conferences:session-create": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:session-edit": Row(at(ATHENA, pk="event", session_pk="session"), get=editor(200), post=editor(200)),
    "conferences:session-delete": Row(at(ATHENA, pk="event", session_pk="session"), get=NONE_405, post=editor(302)),
    "conferences:practice-create": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:registration-list": Row(at(ATHENA, pk="event"), get=member(200), post=member(200)),
    "conferences:registration-create": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:registration-import": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:registration-import-confirm": Row(at(ATHENA, pk="event"), get=NONE_405, post=editor(302)),
    "conferences:registration-export": Row(
        at(ATHENA, pk="event", fmt=lambda: "csv"), get=member(200), post=member(200)
    ),
    "conferences:registration-delete": Row(
        at(ATHENA, pk="event", registration_pk="registration"), get=NONE_405, post=editor(302)
    ),
    "conferences:certificate": Row(
        at(ATHENA, pk="event", registration_pk="registration"), get=editor(200), post=editor(200)
    ),
    "conferences:certificates": Row(at(ATHENA, pk="event"), get=NONE_405, post=editor(302)),
    "conferences:badges": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:checkin": Row(at(ATHENA, pk="event"), get=editor(200), post=editor(200)),
    "conferences:checkin-no-shows": Row(at(ATHENA, pk="event"), get=NONE_405, post=editor(302)),
    "conferences:checkin-mark": Row(
        at(ATHENA, pk="event", registration_pk="registration"), get=NONE_405, post=editor(302)
    ),
    "conferences:feedback": Row(at(ATHENA, pk="event"), get=member(200), post=member(200)),
    "conferences:feedback-remind": Row(at(ATHENA, pk="event"), get=NONE_405, post=editor(302)),
    "conferences:event-statistics": Row(at(ATHENA, pk="event"), get=validator(200), post=validator(200)),
    # The participant's survey, reached through the personal link of the invitation: no account.
    "conferences:feedback-survey": Row(lambda d: {"token": d.feedback_token}, get=everyone(200), post=everyone(200)),
    # --- operations: joint activities (ATHENA2 only) ---------------------------------------------------------------
    # Pages that only read answer a POST with 405 before any access check (`require_GET`).
    "operations:activity-list": Row(at(ATHENA), get=member(200), post=signed_in(405)),
    "operations:activity-export": Row(at(ATHENA, fmt=lambda: "csv"), get=member(200), post=signed_in(405)),
    "operations:activity-create": Row(at(ATHENA), get=editor(200), post=editor(200)),
    "operations:spoc-directory": Row(at(ATHENA), get=member(200), post=editor(200)),
    "operations:spoc-export": Row(at(ATHENA, fmt=lambda: "csv"), get=member(200), post=signed_in(405)),
    "operations:numbers": Row(at(ATHENA), get=validator(200), post=signed_in(405)),
    "operations:activity-detail": [
        Row(at(ATHENA, pk="activity"), get=member(200), post=signed_in(405), label="not sensitive"),
        Row(
            at(ATHENA, pk="sensitive_activity"),
            get=validator(200, viewer=404, staff=404),
            post=signed_in(405),
            label="sensitive",
        ),
    ],
    "operations:activity-edit": [
        Row(at(ATHENA, pk="activity"), get=editor(200), post=editor(200), label="not sensitive"),
        Row(
            at(ATHENA, pk="sensitive_activity"),
            get=editor(200, staff=404),
            post=editor(200, staff=404),
            label="sensitive",
        ),
    ],
    # Sent with the activity's version, as the page's button does: the service decides (a viewer may not submit).
    "operations:activity-transition": [
        Row(
            at(ATHENA, pk="activity", action=lambda: "submit"),
            get=NONE_405,
            post=editor(302),
            data=lambda d: {"version": d.activity_version},
            label="not sensitive",
        ),
        Row(
            at(ATHENA, pk="sensitive_activity", action=lambda: "submit"),
            get=NONE_405,
            post=editor(302, viewer=404, staff=404),
            data=lambda d: {"version": d.activity_version},
            label="sensitive",
        ),
    ],
    "operations:evaluation-create": Row(at(ATHENA, pk="activity"), get=editor(200), post=editor(200)),
    "operations:attachment-add": Row(at(ATHENA, pk="activity"), get=NONE_405, post=editor(400)),  # no file: 400
    "operations:attachment-download": [
        Row(
            at(ATHENA, pk="activity", attachment_pk="attachment"),
            get=member(200),
            post=signed_in(405),
            label="not sensitive",
        ),
        Row(
            at(ATHENA, pk="sensitive_activity", attachment_pk="sensitive_attachment"),
            get=validator(200, viewer=404, staff=404),
            post=signed_in(405),
            label="sensitive",
        ),
    ],
    # --- IMOBEX: coverage, findings, the road map (IMOBEX only) ----------------------------------------------------
    "imobex:coverage-board": Row(at(IMOBEX), get=member(200), post=member(200)),
    "imobex:coverage-export": Row(at(IMOBEX, fmt=lambda: "csv"), get=member(200), post=member(200)),
    "imobex:coverage-import": Row(at(IMOBEX), get=validator(200), post=validator(200)),
    "imobex:coverage-edit": Row(at(IMOBEX, country=lambda: "RO"), get=editor(200), post=editor(200)),
    "imobex:finding-list": Row(at(IMOBEX), get=member(200), post=member(200)),
    "imobex:finding-add": Row(at(IMOBEX), get=editor(200), post=editor(200)),
    "imobex:finding-edit": Row(at(IMOBEX, pk="finding"), get=editor(200), post=editor(200)),
    "imobex:finding-export": Row(at(IMOBEX, fmt=lambda: "csv"), get=member(200), post=member(200)),
    "imobex:road-map": Row(at(IMOBEX), get=member(200), post=member(200)),
    "imobex:barrier-add": Row(at(IMOBEX), get=editor(200), post=editor(200)),
    "imobex:barrier-edit": Row(at(IMOBEX, pk="barrier"), get=editor(200), post=editor(200)),
    "imobex:intervention-add": Row(at(IMOBEX, barrier="barrier"), get=editor(200), post=editor(200)),
    "imobex:intervention-edit": Row(at(IMOBEX, pk="intervention"), get=editor(200), post=editor(200)),
    "imobex:roadmap-version-add": Row(at(IMOBEX), get=editor(200), post=editor(200)),
    "imobex:roadmap-version-decide": Row(at(IMOBEX, pk="version"), get=NONE_405, post=validator(302)),
    "imobex:roadmap-version-download": Row(at(IMOBEX, pk="version"), get=member(200), post=member(200)),
    # --- reporting: the dashboard and progress reports -------------------------------------------------------------
    "reporting:dashboard": Row(at(ATHENA), get=member(200), post=member(200)),
    "reporting:due-list": Row(at(ATHENA), get=member(200), post=member(200)),
    "reporting:dashboard-export": Row(at(ATHENA, fmt=lambda: "csv"), get=member(200), post=member(200)),
    "reporting:report-list": Row(at(ATHENA), get=member(200), post=member(200)),
    "reporting:report-detail": Row(at(ATHENA, pk="period"), get=member(200), post=validator(200)),
    # the report as a file for an audience shows it (a funder's counts sensitive activities): managers only
    "reporting:report-preview": Row(at(ATHENA, pk="period"), get=validator(200), post=NONE_405),
    # each section of a report, loaded by the pages one by one: the reader's own view for every member, an audience's
    # file for the managers
    "reporting:report-section": [
        Row(
            at(
                ATHENA,
                pk="period",
                audience=lambda audience=audience: audience,
                section=lambda section=section: section,
            ),
            get=member(200) if audience == "reader" else validator(200),
            post=NONE_405,
            label=f"{audience} {section}",
        )
        for audience in ("reader", "funder")
        for section in ("cover", "summary", "indicators", "workstreams", "deviations", "next_period", "annexes")
    ],
    # an empty POST chooses no format / no date: told on the report's page
    "reporting:report-generate": Row(at(ATHENA, pk="period"), get=NONE_405, post=validator(302)),
    "reporting:report-submit": Row(at(ATHENA, pk="period"), get=NONE_405, post=validator(302)),
    # the list of the report's files the page asks for again while one is being made (GET only)
    "reporting:report-files": Row(at(ATHENA, pk="period"), get=validator(200), post=signed_in(405)),
}

# Patterns deliberately left out of the matrix, with the reason. Static and media files are not in the URLconf
# (WhiteNoise serves static files; media files are only served by access-checked download views).
EXCLUDED: dict[str, str] = {}


# The superuser's answers that differ from the admin rule's (200 for a page, 302 for a redirect or a record the
# data set lacks): read-only admins, Django's POST-only and GET-only views.
ADMIN_SUPERUSER_ANSWERS: dict[str, tuple[int | str, int | str]] = {  # name: (GET, POST)
    "admin:login": (302, 302),  # superusers go straight in; others are refused, visitors log in on the portal
    "admin:logout": (405, LOGIN),  # logout is a POST
    "admin:password_change_done": (200, 405),
    "admin:password_change": (302, 302),  # the portal's own page (allauth's) changes passwords
    # axes' records are written by the login alone: an admin reads them and deletes an attempt to unlock
    "admin:axes_accessattempt_add": (403, 403),
    "admin:axes_accesslog_add": (403, 403),
    "admin:axes_accessfailurelog_add": (403, 403),
    "admin:mfa_authenticator_add": (403, 403),  # authenticators are made by their owner at enrolment, never here
    "admin:mfa_authenticator_change": (200, 403),  # read-only: an admin may delete a lost one, not change it
    "admin:jsi18n": (200, 405),
    # the rollups are derived data (rebuilt by `manage.py rollups --rebuild`): read-only in the admin
    "admin:projects_rollupcell_add": (403, 403),
    "admin:projects_rollupcell_change": (200, 403),
    "admin:projects_rollupcell_delete": (403, 403),
    "admin:projects_rollupfirst_add": (403, 403),
    "admin:projects_rollupfirst_change": (200, 403),
    "admin:projects_rollupfirst_delete": (403, 403),
    # the outbox is plumbing (tasks waiting for the broker, sent and deleted by the drain): read-only too
    "admin:projects_outboxmessage_add": (403, 403),
    "admin:projects_outboxmessage_change": (200, 403),
    "admin:projects_outboxmessage_delete": (403, 403),
    "admin:autocomplete": (403, 405),  # needs the field it completes: without it, refused
    "admin:view_on_site": (302, 302),
    "admin:admin/(?P<url>.*)$": (404, 404),  # an unknown admin page
    # The audit trail is read-only for everyone (a list, its details and its export).
    "admin:projects_auditevent_add": (403, 403),
    "admin:projects_auditevent_change": (200, 403),
    "admin:projects_auditevent_delete": (403, 403),
    # Reminder deliveries are a record of what was sent: read-only too (the data set has none to open).
    "admin:reporting_reminderdelivery_add": (403, 403),
    "admin:reporting_reminderdelivery_change": (302, 403),
    # A submitted version of a report is frozen: shown, never added, changed or deleted.
    "admin:reporting_reportsnapshot_add": (403, 403),
    "admin:reporting_reportsnapshot_change": (200, 403),
    "admin:reporting_reportsnapshot_delete": (403, 403),
    # an API token is created by its user; the admin lists tokens and revokes them (an action of the list)
    "admin:api_apitoken_add": (403, 403),
    "admin:api_apitoken_change": (200, 403),
    "admin:api_apitoken_delete": (403, 403),
    # Calendar feeds are made by their owners and their fetches logged by the feed: read-only (a list action revokes)
    "admin:api_calendarfeed_add": (403, 403),
    "admin:api_calendarfeed_change": (200, 403),
    "admin:api_calendarfeed_delete": (403, 403),
    "admin:api_feedfetch_add": (403, 403),
    "admin:api_feedfetch_change": (200, 403),
    "admin:api_feedfetch_delete": (403, 403),
    # The webhooks' delivery log is a record of what was sent: read-only (its "Re-send" is a list action).
    "admin:api_webhookdelivery_add": (403, 403),
    "admin:api_webhookdelivery_change": (200, 403),
    "admin:api_webhookdelivery_delete": (403, 403),
}


def admin_row(name: str, data: Data) -> Row | None:
    """The one rule of the admin: superusers only (`selec_portal.admin.PortalAdminSite`); other signed-in users get
    403 for every admin URL, visitors are sent to the login. For a superuser, an empty POST shows a form again with
    its errors (200) and a page of a record that does not exist redirects (302).
    None when the pattern takes arguments the data set does not give."""
    kwargs = data.admin_objects.get(name)
    if kwargs is None:
        return None
    if name in ADMIN_SUPERUSER_ANSWERS:
        get, post = ADMIN_SUPERUSER_ANSWERS[name]
    elif name.endswith("<path:object_id>/") or name in data.admin_missing:
        get = post = 302  # the old address of a change form, or no record of the model in the data set
    else:
        get = post = 200
    return Row(lambda d: kwargs, get=superuser(get), post=superuser(post))


# --- the data set ----------------------------------------------------------------------------------------------------


def _file(name: str, content: bytes = b"%PDF-1.4\n% matrix\n") -> ContentFile:
    return ContentFile(content, name=name)


def build_users(django_user_model) -> dict:
    """One user per role (see the module's docstring), built with the suite's helpers so their rules apply."""
    from projects.models import Membership, Project
    from projects.services import membership_set
    from tests.conftest import enrol_second_factor, make_user

    projects = {p.code: p for p in Project.objects.all()}
    users = {"anonymous": None}
    for role in ("viewer", "staff", "manager"):
        user = make_user(django_user_model, f"matrix-{role}")
        for code in (ATHENA, IMOBEX):
            membership_set(user=user, project=projects[code], role=role)
        users[role] = user
    enrol_second_factor(users["manager"])  # managers and admins must have a second factor to reach any page
    users["other"] = make_user(django_user_model, "matrix-other")
    membership_set(user=users["other"], project=projects["DTP-TOC"], role=Membership.Role.STAFF)
    users["admin"] = django_user_model.objects.create_superuser(
        username="matrix-admin", password="correct-horse-battery-staple", email="matrix-admin@example.org"
    )
    enrol_second_factor(users["admin"])
    from django.contrib.auth.models import Permission

    users["django_staff"] = make_user(django_user_model, "matrix-django-staff", is_staff=True)
    users["django_staff"].user_permissions.set(Permission.objects.all())
    return users


def build_data_set(django_user_model, activities: int = 10) -> Data:
    """The demo data (small: 10 activities unless told), the users of the roles, and the records the URLs name, in
    ATHENA2 and IMOBEX."""
    from io import StringIO

    from django.core.management import call_command

    from conferences.models import Attendance, Event, Session
    from imobex.models import Barrier, Finding, Intervention, RoadMap, RoadMapVersion
    from operations.models import ActivityAttachment, JointActivity
    from projects.models import BackgroundJob, Country, Deliverable, Milestone, OutboxMessage, Project, Task, Workstream
    from reporting.models import Notification, ReportingPeriod
    from tests.conferences.conftest import make_event, make_person, register

    call_command("seed_demo", activities=activities, force=True, stdout=StringIO())
    data = Data(users=build_users(django_user_model))
    projects = {p.code: p for p in Project.objects.all()}
    athena, imobex = projects[ATHENA], projects[IMOBEX]
    today = timezone.localdate()

    workstream = Workstream.objects.filter(project=athena).order_by("number").first()
    data.workstream = workstream.number
    data.task = Task.objects.filter(workstream__project=athena).order_by("pk").first().pk
    data.milestone = Milestone.objects.filter(workstream__project=athena).order_by("pk").first().pk
    deliverable = Deliverable.objects.filter(workstream__project=athena).order_by("pk").first()
    deliverable.evidence.save("evidence.pdf", _file("evidence.pdf"))
    data.deliverable = deliverable.pk
    for attr, user, audience in (
        ("job", data.users["staff"], BackgroundJob.Audience.EVERYONE),
        ("manager_job", data.users["manager"], BackgroundJob.Audience.MANAGERS),
    ):
        job = BackgroundJob.objects.create(
            kind="progress_report",
            title=f"Matrix {attr}",
            project=athena,
            user=user,
            audience=audience,
            status=BackgroundJob.Status.SUCCEEDED,
            progress=100,
        )
        job.result.save(f"{attr}.csv", _file(f"{attr}.csv", b"a,b\n1,2\n"))
        setattr(data, attr, job.pk)

    event = make_event(
        athena, title="Matrix workshop", start_date=today - timedelta(days=10), days=2, status=Event.Status.HELD
    )
    data.event, data.event_version = event.pk, event.version
    data.session = Session.objects.create(
        event=event, title="Opening", day=event.start_date, starts_at="09:00", ends_at="10:00"
    ).pk
    registration = register(event, make_person("MATRIX-PARTICIPANT"), attended_days=[event.start_date])
    register(event, make_person("MATRIX-NO-SHOW"))
    data.registration = registration.pk
    data.feedback_token = registration.feedback_token
    assert Attendance.objects.filter(registration=registration).exists()

    activities = JointActivity.objects.filter(project=athena, validation_state="draft").order_by("pk")
    activity, sensitive = activities[0], activities[1]
    JointActivity.objects.filter(pk=activity.pk).update(is_sensitive=False, status="completed")
    JointActivity.objects.filter(pk=sensitive.pk).update(is_sensitive=True, status="completed")
    data.activity, data.sensitive_activity = activity.pk, sensitive.pk
    assert activity.version == sensitive.version
    data.activity_version = activity.version
    for attr, owner in (("attachment", activity), ("sensitive_attachment", sensitive)):
        attachment = ActivityAttachment(activity=owner, kind=ActivityAttachment.Kind.MINUTES)
        attachment.file.save("minutes.pdf", _file("minutes.pdf"))
        setattr(data, attr, attachment.pk)

    data.finding = Finding.objects.filter(project=imobex).order_by("pk").first().pk
    data.barrier = Barrier.objects.filter(project=imobex).order_by("pk").first().pk
    data.intervention = Intervention.objects.filter(barrier__project=imobex).order_by("pk").first().pk
    road_map = RoadMap.objects.get(project=imobex)
    version = RoadMapVersion(
        road_map=road_map, number=road_map.versions.count() + 1, submitted_by=data.users["staff"], notes="Matrix"
    )
    version.document.save("road-map.pdf", _file("road-map.pdf"))
    data.version = version.pk
    # a period of its own, not submitted (a submitted one, frozen, cannot be deleted in the admin, whose pages open
    # each model's newest record: tests/reporting/test_report_content.py)
    data.period = ReportingPeriod.objects.create(
        project=athena, title="Matrix period", start=date(2025, 1, 1), end=date(2025, 1, 31), due_date=date(2025, 2, 28)
    ).pk
    assert Country.objects.filter(code="RO").exists()
    OutboxMessage.objects.create(task="projects.tasks.audit_seal")  # a task the broker has not taken yet
    from api.services import token_create

    data.api_token = token_create(user=data.users["staff"], name="Matrix token")[0].pk
    data.notification = Notification.objects.create(
        recipient=data.users["staff"], project=athena, kind="report_due", title="Matrix notification"
    ).pk
    from api.calendars.services import feed_create, feed_fetched

    feed, data.calendar_token = feed_create(user=data.users["staff"], project=athena, name="Matrix feed")
    data.calendar_feed = feed.pk
    feed_fetched(feed=feed, ip="192.0.2.1", user_agent="Matrix calendar")
    data.admin_objects, data.admin_missing = _admin_kwargs()
    return data


def _admin_kwargs() -> tuple[dict[str, dict], set[str]]:
    """The admin's patterns with arguments from the data set: each model's first record (or none)."""
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType

    from projects.models import Project

    kwargs: dict[str, dict] = {
        "admin:index": {},
        "admin:login": {},
        "admin:logout": {},
        "admin:password_change": {},
        "admin:password_change_done": {},
        "admin:autocomplete": {},
        "admin:jsi18n": {},
        "admin:admin/(?P<url>.*)$": {"url": "no/such/page/"},
    }
    # The admin's pages of a record: the newest of each model (the data set's own, with few related records, so a
    # delete confirmation does not list a whole project), and an empty project of its own.
    from django.contrib.auth.models import Group

    Group.objects.create(name="Matrix group")
    today = timezone.localdate()
    project = Project.objects.create(
        code="MATRIX", name="Matrix", funding_programme="None", start_date=today, end_date=today + timedelta(days=365)
    )
    kwargs["admin:view_on_site"] = {
        "content_type_id": ContentType.objects.get_for_model(Project).pk,
        "object_id": project.pk,
    }
    missing = set()
    for model in admin.site._registry:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        kwargs[f"{prefix}_changelist"] = {}
        kwargs[f"{prefix}_add"] = {}
        kwargs["admin:app_list"] = {"app_label": "projects"}
        first = model._default_manager.order_by("-pk").first()
        object_id = str(first.pk) if first else "0"
        for view in ("change", "delete", "history"):
            kwargs[f"{prefix}_{view}"] = {"object_id": object_id}
            if first is None:
                missing.add(f"{prefix}_{view}")
        kwargs[f"admin:admin/{meta.app_label}/{meta.model_name}/<path:object_id>/"] = {"object_id": object_id}
        if meta.label == "auth.User":
            kwargs["admin:auth_user_password_change"] = {"id": object_id}
        if meta.label == "projects.AuditEvent":
            kwargs["admin:projects_auditevent_export"] = {}
    return kwargs, missing


def rows_of(key: str) -> list[Row]:
    """The matrix's rows of one URL name (one, or several with labels: the same URL with other data)."""
    rows = URLS[key]
    return rows if isinstance(rows, list) else [rows]
