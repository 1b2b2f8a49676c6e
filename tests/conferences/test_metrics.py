"""The events' metrics on a known data set: only held events count, people and countries are counted once."""

from datetime import date

import pytest

from conferences.models import Event
from projects.models import Indicator
from projects.queries import indicator_progress
from projects.registry import registry
from projects.registry.people import distinct_people_by_project

from .conftest import make_event, make_person, register


def _event(project, kind, start, status="held", **extra):
    return make_event(project, kind=kind, start_date=start, status=status, **extra)


@pytest.fixture
def known_events(selec):
    """DTP-TOC: two conferences held (2025, 2026) and one planned; ATHENA 2: three workshops held, one cancelled,
    a training held with three trainees (two came) and a trainer, a meeting; IMOBEX: the Utrecht workshop and the
    field lab, both held."""
    dtp, athena, imobex = selec["DTP-TOC"], selec["ATHENA2"], selec["IMOBEX"]
    ana, ivan, mira = make_person("Ana", "RO", None), make_person("Ivan", "BG", None), make_person("Mira", "SI", None)
    luka = make_person("Luka", "HR", None)

    c1 = _event(dtp, "conference", date(2025, 10, 14), edition=1, days=3)
    _event(dtp, "conference", date(2026, 10, 13), edition=2)
    _event(dtp, "conference", date(2027, 10, 12), "planned", edition=3)
    register(c1, ana, attended_days=[date(2025, 10, 14), date(2025, 10, 15)])
    register(c1, ivan, attended_days=[date(2025, 10, 16)])
    register(c1, mira)  # a no-show: not reached

    w1 = _event(athena, "workshop", date(2025, 3, 18))
    _event(athena, "workshop", date(2025, 6, 10))
    _event(athena, "workshop", date(2026, 1, 27))
    _event(athena, "workshop", date(2025, 9, 23), "cancelled")
    _event(athena, "meeting", date(2025, 2, 11))
    register(w1, ana, attended_days=[date(2025, 3, 18)])
    register(w1, luka, attended_days=[date(2025, 3, 18)])
    training = _event(athena, "training", date(2025, 5, 12))
    register(training, ana, "trainee", attended_days=[date(2025, 5, 12)])  # Ana again: one person
    register(training, ivan, "trainee", attended_days=[date(2025, 5, 12)])
    register(training, mira, "trainee")  # did not come
    register(training, luka, "trainer", attended_days=[date(2025, 5, 12)])

    _event(imobex, "workshop", date(2022, 7, 6), days=2, city="Utrecht")
    _event(imobex, "field_lab", date(2022, 11, 15), days=3, city="Vilnius")
    return {"DTP-TOC": dtp.pk, "ATHENA2": athena.pk, "IMOBEX": imobex.pk}


def _metric(key, ids, until=None):
    return dict(registry.metric(key).values(list(ids.values()), until))


def test_only_held_conferences_count(known_events):
    assert _metric("conferences_held", known_events) == {known_events["DTP-TOC"]: 2}
    assert _metric("conferences_held", known_events, until=date(2025, 12, 31)) == {known_events["DTP-TOC"]: 1}


def test_workshops_field_labs_and_trainings_count_per_project(known_events):
    athena, imobex = known_events["ATHENA2"], known_events["IMOBEX"]
    assert _metric("thematic_workshops", known_events) == {athena: 3, imobex: 1}
    assert _metric("expert_workshops", known_events)[imobex] == 1
    assert _metric("field_labs", known_events) == {imobex: 1}
    assert _metric("trainings_held", known_events) == {athena: 1}
    assert _metric("thematic_workshops", known_events, until=date(2025, 12, 31))[athena] == 2


def test_a_held_event_counts_from_its_last_day(known_events):
    # The Utrecht workshop ran on 6 and 7 July 2022.
    imobex = known_events["IMOBEX"]
    assert imobex not in _metric("expert_workshops", known_events, until=date(2022, 7, 6))
    assert _metric("expert_workshops", known_events, until=date(2022, 7, 7))[imobex] == 1


def test_participants_and_countries_are_counted_once(known_events):
    dtp, athena = known_events["DTP-TOC"], known_events["ATHENA2"]
    assert _metric("participants_reached", known_events) == {dtp: 2, athena: 3}  # Ana, Ivan, Luka
    assert _metric("countries_reached", known_events) == {dtp: 2, athena: 3}
    assert _metric("participants_reached", known_events, until=date(2025, 4, 1)) == {athena: 2}


def test_officers_trained_are_trainees_who_attended_a_training(known_events):
    assert _metric("officers_trained", known_events) == {known_events["ATHENA2"]: 2}


def test_event_attendees_count_once_among_the_officers_involved(known_events):
    counts = distinct_people_by_project(list(known_events.values()), sources=["events"])
    assert counts == {known_events["DTP-TOC"]: 2, known_events["ATHENA2"]: 3}


def test_the_projects_indicators_are_measured_by_the_events(known_events, selec):
    progress = indicator_progress(selec.values())
    achieved = {(p.indicator.project.code, p.key): p.achieved for items in progress.values() for p in items}
    assert achieved[("DTP-TOC", "conferences_held")] == 2
    assert achieved[("ATHENA2", "thematic_workshops")] == 3
    assert achieved[("IMOBEX", "expert_workshops")] == 1
    assert achieved[("IMOBEX", "field_labs")] == 1
    assert Indicator.objects.filter(metric="conferences_held").count() == 1


def test_a_cancelled_or_planned_event_never_counts(known_events):
    Event.objects.filter(project_id=known_events["IMOBEX"]).update(status="cancelled")
    assert known_events["IMOBEX"] not in _metric("field_labs", known_events)
