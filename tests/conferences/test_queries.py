"""Every page of the app runs a pinned number of queries, the same when the data grow tenfold."""

from datetime import timedelta

import pytest

from conferences.models import BestPractice, Event, FeedbackResponse, Session
from projects import rollups
from projects.models import Person
from tests.utils import count_queries, get_ok

from .conftest import TODAY, make_event, make_person, register

START = TODAY - timedelta(days=5)


@pytest.fixture
def conference(athena):
    return make_event(athena, kind="conference", title="Counted conference", start_date=START, days=3, status="held")


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def _grow(event, n: int) -> None:
    """n more participants (who attended and answered), sessions, practices, and n more events of the project."""
    base = Person.objects.count()
    for i in range(n):
        person = make_person(f"Person {base + i}", ["RO", "BG", "HU"][i % 3], ["IGPR", "MoI BG", None][i % 3])
        registration = register(event, person, ["delegate", "speaker"][i % 2], attended_days=[START])
        FeedbackResponse.objects.create(registration=registration, overall=4, content=4, organisation=3, usefulness=5)
        Session.objects.create(event=event, day=START, starts_at="09:00", ends_at="10:00", title=f"S{base + i}")
        BestPractice.objects.create(event=event, title=f"Practice {base + i}", summary="s", crime_area="drugs")
        other = make_event(event.project, title=f"Other {base + i}", start_date=START, status="held")
        register(other, person, attended_days=[START])


# session, user, project with role, then what the page itself reads
PAGES = {
    "event-list": ("", 5),  # a page of events with counts and its count (the filter form has only fixed choices)
    "event-detail": ("{pk}/", 6),  # event with counts, sessions, their practices, practices
    "programme": ("{pk}/programme/", 5),  # event, sessions
    # The pages that list people record the consultation: one INSERT.
    # event with counts, a page of registrations and its count, the consultation
    "registrations": ("{pk}/registrations/", 7),
    "check-in": ("{pk}/check-in/?day={day}", 7),  # event, rows, counts, the consultation
    "feedback": ("{pk}/feedback/", 8),  # event with counts, averages, comments, who has not answered, the consultation
    "statistics": ("{pk}/statistics/", 10),  # event with counts, totals, feedback, four breakdowns
    "compare": ("compare/", 7),  # conferences, totals, sectors, feedback
    "practices": ("best-practices/", 5),  # countries of the filter, practices
}


@pytest.mark.parametrize("page", PAGES)
def test_page_queries_are_pinned_and_do_not_grow_with_the_data(client_for, manager, conference, page):
    path, expected = PAGES[page]
    url = f"/projects/ATHENA2/events/{path.format(pk=conference.pk, day=START.isoformat())}"
    client = client_for(manager)
    get_ok(client, url)  # warm up the session
    _grow(conference, 3)
    small = count_queries(lambda: get_ok(client, url))
    _grow(conference, 30)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == expected


def test_the_library_of_all_projects_has_a_fixed_cost(client_for, manager, conference):
    client = client_for(manager)
    get_ok(client, "/best-practices/")
    _grow(conference, 3)
    small = count_queries(lambda: get_ok(client, "/best-practices/?q=practice"))
    _grow(conference, 30)
    assert count_queries(lambda: get_ok(client, "/best-practices/?q=practice")) == small == 5


def test_the_event_tab_leaves_the_project_page_cost_unchanged(client_for, manager, conference):
    client = client_for(manager)
    get_ok(client, "/projects/ATHENA2/")
    before = count_queries(lambda: get_ok(client, "/projects/ATHENA2/"))
    _grow(conference, 5)
    assert count_queries(lambda: get_ok(client, "/projects/ATHENA2/")) == before
    assert Event.objects.count() == 6
