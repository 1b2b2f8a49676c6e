"""The smaller kinds of contribution: project sections (tabs), background-job handlers, demo seeders, reminder
kinds, portfolio panels, report sections and detail panels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse

from ..access import Action


@dataclass(frozen=True)
class Section:
    """A tab of the project page. The URL is reversed with the project's code; `projects` limits the tab to some
    projects (None: every project); `action` is what the user's role must allow for the tab to show."""

    key: str
    label: str
    url_name: str
    order: int = 100
    projects: Sequence[str] | None = None
    action: Action = Action.VIEW
    app_label: str = ""

    def url(self, project) -> str:
        return reverse(self.url_name, kwargs={"code": project.code})

    def shows_on(self, project) -> bool:
        return (self.projects is None or project.code in self.projects) and project.allows(self.action)


@dataclass(frozen=True)
class JobHandler:
    """Long work run by a Celery worker with progress shown to the user (see `projects.jobs`).

    `handler(job, progress)` calls `progress(percent, message)` as it goes and returns None or a `JobResult`; it
    raises `JobError(message)` for a failure the user should read. `personal_params` names the parameters that hold
    personal data (an uploaded list's rows): a finished job, done or failed, keeps only their count.
    `on_success(job)`, if given, runs in the transaction that records the job as succeeded (to emit a domain
    event: `projects.events`)."""

    kind: str
    handler: Callable[..., Any]
    personal_params: Sequence[str] = ()
    on_success: Callable[..., Any] | None = None
    app_label: str = ""

    @property
    def key(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Seeder:
    """Demo data for `manage.py seed_demo`: `seed(*, activities, rng, today) -> {what: how many}`, deterministic
    for a given `activities` and safe to run again; lower `order` runs first. `after(*, today) -> {what: how many}`,
    if given, runs once every seeder has run and the numbers are up to date (the rollups rebuilt): demo data that
    read them, such as a report frozen as submitted."""

    seed: Callable[..., dict[str, int]]
    order: int = 100
    app_label: str = ""
    after: Callable[..., dict[str, int]] | None = None

    @property
    def key(self) -> str:
        return self.app_label


@dataclass(frozen=True)
class Reminder:
    """One reminder to send about one record, on one occasion (a due date, an end date, ...).

    (kind, object_type, object_id, recipient, occasion) is sent at most once. Recipients are the project's members
    whose role is in `roles`, or exactly `user_ids` when given.
    """

    project_id: int
    object_type: str  # "app_label.Model"
    object_id: int | str
    occasion: date
    subject: str
    body: str
    url: str = ""
    roles: tuple[str, ...] = ("manager", "staff")
    user_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ReminderKind:
    """A kind of reminder; users choose which kinds they receive. `collect(today)` returns the reminders due today
    (typically one query); None means the kind is sent by its own task (the monthly report)."""

    key: str
    label: str
    collect: Callable[[date], Iterable[Reminder]] | None
    description: str = ""
    default: bool = True  # whether users receive it until they opt out
    app_label: str = ""


@dataclass(frozen=True)
class PortfolioPanel:
    """What an app adds to the portfolio page.

    `extend(request, projects, rows, today) -> context` may add keys to each project's row and returns extra
    context. `templates` fill the page's slots: "header" (beside the title), "card_header", "card_body" and
    "card_footer" (in each project's card, with `row` and `project`), and "page" (below the cards).
    """

    SLOTS = ("header", "card_header", "card_body", "card_footer", "page")

    key: str
    extend: Callable[..., dict]
    templates: Mapping[str, str] = field(default_factory=dict)
    app_label: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.templates) - set(self.SLOTS)
        if unknown:
            raise ValueError(f"portfolio panel {self.key!r}: unknown slots {sorted(unknown)}")


@dataclass(frozen=True)
class ReportSection:
    """A table of a progress report: `table(project, since, until, *, include_sensitive) -> {"columns": [...],
    "rows": [[...], ...]}` or None (nothing to report for this project), in a fixed number of queries. A report covers
    a period: when `include_sensitive` is False (a reader who may not see sensitive records) the table leaves them
    out. Every format draws it: a table in the PDF and on the report's page, a sheet of the XLSX, rows of the CSV."""

    key: str
    title: str
    table: Callable[..., dict | None]
    order: int = 100
    app_label: str = ""


@dataclass(frozen=True)
class WorkstreamSummary:
    """What a progress report says, workstream by workstream, about an app's records held in a period (joint
    activities, events): `summary(project, since, until, *, count_sensitive, name_sensitive) -> {workstream id or
    None (not assigned): {"total": n, "by_type": [[label, n]], "by_country": [[country name, n]], "lines": [str],
    "withheld": n}}` (an empty dict: nothing held), in a fixed number of queries.

    `count_sensitive`: sensitive records count in the numbers; `name_sensitive`: they get a line of their own (only
    for a report to the managers). A record that counts but may not be named adds to `withheld` instead of `lines`.
    """

    key: str
    title: str
    summary: Callable[..., dict]
    order: int = 100
    app_label: str = ""


@dataclass(frozen=True)
class DetailPanel:
    """A block an app adds to another app's detail page without that app importing it.

    `model` is the page's model label ("conferences.Event"); `context(project, obj) -> dict | None` reads what the
    block shows (None: no block for this object), in a fixed number of queries; `template` renders it.
    """

    key: str
    model: str
    context: Callable[..., dict | None]
    template: str
    order: int = 100
    app_label: str = ""


@dataclass(frozen=True)
class Picker:
    """A search-as-you-type choice of records (`projects.pickers`): the records one may pick, searched by the JSON
    endpoint `/projects/<code>/pick/<key>/` (or `/pick/<key>/` when not `scoped`) and checked by the form's field.

    `records(project)` is the one queryset both use: the project carries the user's role (`project_for_user`), so
    a picker of activities leaves out the sensitive ones for those who may not see them; None for a picker not
    `scoped` to a project (reference data such as organisations). `search` are the fields a typed word is looked for
    in (every word must be found in one of them), `text(record)` what a result and the chosen option show (never an
    e-mail), `order` the order of the results. `action` is what the user's role must allow (the page listing these
    records needs the same); `projects` limits a scoped picker to some projects (None: every project). A picker of
    people names in `consulted` what its searches show ("projects.Person"): each search is then recorded as a
    consultation, like the pages that list people (`viewkit.audit_consultation`). `min_chars`: the letters a search
    needs (one for a short fixed list such as the countries, found by their code; two by default). `new`: the text of
    the picker's last suggestion, which offers to add the typed text as a new record ("Add “%(text)s” as a new
    officer"): the form then takes the new record's details in fields of its own (see `static/js/picker.js`);
    `new_same` replaces it when a suggestion has exactly the typed name ("Add another “%(text)s” ...").
    """

    key: str
    records: Callable[..., Any]
    search: Sequence[str]
    text: Callable[[Any], str] = str
    order: Sequence[str] = ("pk",)
    action: Action = Action.VIEW
    scoped: bool = True
    projects: Sequence[str] | None = None
    consulted: str = ""
    min_chars: int = 2
    new: str = ""
    new_same: str = ""
    app_label: str = ""
