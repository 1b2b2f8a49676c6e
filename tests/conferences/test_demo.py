import random

from django.utils import timezone

from conferences.demo import seed
from conferences.models import Attendance, Event, FeedbackResponse, Registration
from projects.models import Project, contact_email
from projects.registry import registry


def _snapshot():
    return (
        sorted(Event.objects.values_list("title", "status", "start_date")),
        sorted(Registration.objects.with_email().values_list("event__title", "email", "role")),
        Attendance.objects.filter(present=True).count(),
        sorted(
            FeedbackResponse.objects.annotate(
                email=contact_email("registration__person", "registration__event__project")
            ).values_list("email", "overall")
        ),
    )


def test_the_seeder_is_deterministic_and_can_run_again(selec):
    today = timezone.localdate()
    first = seed(activities=20, rng=random.Random("conferences:20"), today=today)
    snapshot = _snapshot()
    again = seed(activities=20, rng=random.Random("conferences:20"), today=today)
    assert first == again
    assert _snapshot() == snapshot
    assert Event.objects.count() == 15
    # each event in its workstream of the plan: a conference a year in DTP-TOC, the kick-off meeting in none
    placed = set(Event.objects.values_list("project__code", "kind", "workstream__number"))
    assert placed == {
        ("DTP-TOC", "conference", 1),
        ("DTP-TOC", "conference", 2),
        ("DTP-TOC", "conference", 3),
        ("ATHENA2", "meeting", None),
        ("ATHENA2", "workshop", 2),
        ("ATHENA2", "training", 3),
        ("IMOBEX", "workshop", 2),
        ("IMOBEX", "field_lab", 3),
    }


def test_the_seeded_events_count_toward_the_indicators(selec):
    from datetime import date

    seed(activities=20, rng=random.Random("conferences:20"), today=date(2026, 11, 28))
    ids = {p.code: p.pk for p in Project.objects.all()}
    assert registry.metric("conferences_held").values(list(ids.values()), None) == {ids["DTP-TOC"]: 2}
    assert registry.metric("thematic_workshops").values([ids["ATHENA2"]], None) == {ids["ATHENA2"]: 5}
    assert registry.metric("expert_workshops").values([ids["IMOBEX"]], None) == {ids["IMOBEX"]: 1}
    assert registry.metric("field_labs").values([ids["IMOBEX"]], None) == {ids["IMOBEX"]: 1}
    utrecht = Event.objects.get(project__code="IMOBEX", kind="workshop")
    assert (utrecht.city, utrecht.start_date, utrecht.end_date) == ("Utrecht", date(2022, 7, 6), date(2022, 7, 7))
    assert registry.metric("officers_trained").values([ids["ATHENA2"]], None)[ids["ATHENA2"]] > 20
