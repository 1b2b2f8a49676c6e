"""Demo events for `manage.py seed_demo`: the three DTP-TOC conferences, ATHENA 2's workshops, trainings and
kick-off meeting, and IMOBEX's expert workshop (Utrecht, 6-7 July 2022) and field lab, with participants,
attendance, feedback, agendas and best practices.

Deterministic for a given rng; safe to run again (the demo events are replaced, the demo people reused); bulk
inserts throughout. Events that ended before `today` are held, events within three months are open.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, time, timedelta

from django.db.models.functions import Lower

from projects.models import Country, Organisation, Person, PersonContact, Project, Workstream

from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session
from .workstreams import workstreams_fill

DEMO_EMAIL_DOMAIN = "participants.demo.selec.example"

C, W, T, F, M = (Event.Kind.CONFERENCE, Event.Kind.WORKSHOP, Event.Kind.TRAINING, Event.Kind.FIELD_LAB,
                 Event.Kind.MEETING)  # fmt: skip

# project, kind, title, edition, theme, start, days, city, country, capacity, participants, provider
EVENTS = [
    ("DTP-TOC", C, "1st Danube Conference against Transborder Organised Crime", 1,
     "Financial and Computer Crime", date(2025, 10, 14), 3, "Bucharest", "RO", 150, 128, None),
    ("DTP-TOC", C, "2nd Danube Conference against Transborder Organised Crime", 2,
     "Antidrug Trafficking", date(2026, 10, 13), 3, "Budapest", "HU", 150, 136, None),
    ("DTP-TOC", C, "3rd Danube Conference against Transborder Organised Crime", 3,
     "Countering Trafficking in Human Beings and Illegal Migration", date(2027, 10, 12), 3, "Vienna", "AT", 160, 40,
     None),
    ("ATHENA2", M, "ATHENA 2 kick-off meeting", None, "", date(2025, 2, 11), 1, "Rome", "IT", 40, 26, None),
    ("ATHENA2", W, "Thematic workshop 1: cross-border observation", None, "Cross-border observation",
     date(2025, 3, 18), 2, "Rome", "IT", 40, 32, None),
    ("ATHENA2", W, "Thematic workshop 2: joint patrols on the external borders", None, "Joint patrols",
     date(2025, 6, 10), 2, "Sofia", "BG", 40, 30, None),
    ("ATHENA2", W, "Thematic workshop 3: joint investigation teams", None, "Joint investigations",
     date(2025, 9, 23), 2, "Riga", "LV", 40, 34, None),
    ("ATHENA2", W, "Thematic workshop 4: threat assessment of organised crime", None, "Threat assessment",
     date(2026, 1, 27), 2, "Valletta", "MT", 40, 28, None),
    ("ATHENA2", W, "Thematic workshop 5: information exchange through SPOCs", None, "Information exchange",
     date(2026, 4, 21), 2, "Ljubljana", "SI", 40, 33, None),
    ("ATHENA2", W, "Thematic workshop 6: evaluation of the joint activities", None, "Evaluation",
     date(2026, 12, 8), 2, "Bucharest", "RO", 40, 22, None),
    ("ATHENA2", T, "SPOC training course", None, "Single points of operational contact",
     date(2025, 5, 12), 3, "Budapest", "HU", 30, 27, "CEPOL"),
    ("ATHENA2", T, "Field officers' training: joint operations", None, "Joint operations",
     date(2025, 11, 4), 2, "", "", 40, 36, "CEPOL"),
    ("ATHENA2", T, "SPOC refresher training", None, "Single points of operational contact",
     date(2026, 12, 15), 2, "", "", 30, 12, "CEPOL"),
    ("IMOBEX", W, "IMOBEX expert workshop", None, "Intervention strategies and road map",
     date(2022, 7, 6), 2, "Utrecht", "NL", 40, 31, None),
    ("IMOBEX", F, "IMOBEX organised crime field lab", None, "Interventions against itinerant criminal groups",
     date(2022, 11, 15), 3, "Vilnius", "LT", 30, 26, None),
]  # fmt: skip

PEOPLE_COUNTRIES = {
    "DTP-TOC": ["RO", "BG", "HU", "RS", "MD", "BA", "ME", "MK", "AL", "GR", "TR", "AT", "DE", "HR", "SK", "SI", "CZ",
                "UA"],
    "ATHENA2": ["IT", "BG", "LV", "MT", "RO", "SI", "HR", "EE", "LT", "GR", "AT", "RS"],
    "IMOBEX": ["NL", "LT", "BE", "DE", "FR", "RO", "BG", "PL", "ES", "IT", "SE", "AL", "RS", "MD"],
}  # fmt: skip

FIRST = ["Ana", "Ivan", "Maria", "Nikola", "Elena", "Andrei", "Sofia", "Marco", "Laura", "Petar", "Jana", "Luka",
         "Eva", "Tomas", "Irina", "Stefan", "Mira", "Daniel", "Katarina", "Emre", "Zeynep", "Jonas", "Lina", "Pieter",
         "Anna", "Matteo", "Giulia", "Dimitris", "Eleni", "Bogdan"]  # fmt: skip
LAST = ["Popescu", "Ivanova", "Kovacs", "Petrovic", "Horvat", "Rossi", "Berzins", "Borg", "Novak", "Dimitrov",
        "Papadopoulos", "Yilmaz", "Hoxha", "Jansen", "Kazlauskas", "Muller", "Schmidt", "Kowalski", "Garcia",
        "Lindqvist", "Marin", "Ionescu", "Georgiev", "Nagy", "Bianchi", "Ozols", "Camilleri", "Kranjc", "Stan",
        "Vasile"]  # fmt: skip

SESSION_TITLES = [
    "Opening and welcome", "Threat picture in the region", "Panel: cooperation across borders",
    "Case study presented by a Member State", "Tools and technology", "Working groups",
    "Reports of the working groups", "The private sector's view", "Conclusions and next steps",
]  # fmt: skip

PRACTICES = {
    "Financial and Computer Crime": ("financial", ["Joint financial intelligence cell with banks",
                                                   "Fast freezing of proceeds across borders",
                                                   "Cryptocurrency tracing toolkit"]),
    "Antidrug Trafficking": ("drugs", ["Container profiling at Danube ports", "Controlled deliveries checklist",
                                       "Precursor monitoring with industry"]),
    "": ("other", ["Regional exchange of liaison officers", "Common evaluation template"]),
}  # fmt: skip


def _organisations(rng: random.Random) -> dict[str, list[Organisation]]:
    """Per country, a police and a customs agency; a few private companies and universities (get_or_create)."""
    countries = {c.code: c for c in Country.objects.all()}
    codes = sorted({code for codes in PEOPLE_COUNTRIES.values() for code in codes})
    existing = {o.name: o for o in Organisation.objects.filter(country__code__in=codes).select_related("country")}
    wanted = []
    for code in codes:
        name = countries[code].name
        wanted += [
            (f"National Police of {name}", "law_enforcement", code),
            (f"Customs Administration of {name}", "law_enforcement", code),
            (f"Ministry of Interior of {name} (demo)", "government", code),
        ]
    wanted += [
        ("Danube Banking Association (demo)", "private", "AT"),
        ("SecureNet Telecom (demo)", "private", "RO"),
        ("Balkan Logistics Group (demo)", "private", "RS"),
        ("Institute for Security Studies (demo)", "academia", "HU"),
    ]
    missing = [Organisation(name=n, kind=k, country=countries[c]) for n, k, c in wanted if n not in existing]
    Organisation.objects.bulk_create(missing, ignore_conflicts=True)
    by_country: dict[str, list[Organisation]] = {}
    for organisation in Organisation.objects.filter(country__code__in=codes).select_related("country"):
        by_country.setdefault(organisation.country.code, []).append(organisation)
    for organisations in by_country.values():
        organisations.sort(key=lambda o: o.name)
    return by_country


def _people(
    rng: random.Random, organisations: dict[str, list[Organisation]], projects: dict[str, Project]
) -> dict[str, list[Person]]:
    """A pool of demo people per project, reused across runs (found by the demo e-mail address the project keeps
    for them). Two draws of the same name, country and organisation would be one person: the second gets a middle
    initial, so that every pool has as many people as it should."""
    countries = {c.code: c for c in Country.objects.all()}
    known = PersonContact.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).select_related("person")
    existing = {contact.email: contact.person for contact in known}
    codes = {code for country_codes in PEOPLE_COUNTRIES.values() for code in country_codes}
    taken = set(
        Person.objects.filter(country__code__in=codes).values_list(Lower("name"), "country_id", "organisation_id")
    )
    pools: dict[str, list[Person]] = {}
    new, contacts = [], []
    for code, country_codes in PEOPLE_COUNTRIES.items():
        size = {"DTP-TOC": 320, "ATHENA2": 180, "IMOBEX": 60}[code]
        pool = []
        for n in range(size):
            country = country_codes[n % len(country_codes)]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{code}.{n}@{DEMO_EMAIL_DOMAIN}".lower()
            # Draw every value even for a person already there, so that the sequence stays the same.
            organisation = rng.choice(organisations[country]) if rng.random() < 0.95 else None
            gender = rng.choice(["female", "male", "male", "female", ""])
            person = existing.get(email)
            if person is None:
                name = _free_name(first, last, countries[country], organisation, taken)
                person = Person(name=name, country=countries[country], organisation=organisation, gender=gender)
                new.append(person)
                if code in projects:
                    contacts.append(PersonContact(person=person, project=projects[code], email=email))
            pool.append(person)
        pools[code] = pool
    Person.objects.bulk_create(new)
    PersonContact.objects.bulk_create(contacts)
    return pools


def _free_name(first: str, last: str, country: Country, organisation: Organisation | None, taken: set) -> str:
    """The name, or with a middle initial if someone of that name is already at that organisation and country."""
    organisation_id = organisation.pk if organisation else None
    for initial in ["", *(f"{letter}. " for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")]:
        name = f"{first} {initial}{last}"
        if (name.lower(), country.pk, organisation_id) not in taken:
            taken.add((name.lower(), country.pk, organisation_id))
            return name
    raise RuntimeError(f"no free demo name for {first} {last}")


def _status(start: date, end: date, today: date) -> str:
    if end < today:
        return Event.Status.HELD
    if start - timedelta(days=90) <= today:
        return Event.Status.OPEN
    return Event.Status.PLANNED


def seed(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    projects = {p.code: p for p in Project.objects.filter(code__in=PEOPLE_COUNTRIES)}
    Event.objects.filter(project__in=projects.values(), title__in=[spec[2] for spec in EVENTS]).delete()
    organisations = _organisations(rng)
    providers = {o.acronym: o for o in Organisation.objects.filter(acronym="CEPOL")}
    countries = {c.code: c for c in Country.objects.all()}
    people = _people(rng, organisations, projects)

    events = []
    for code, kind, title, edition, theme, start, days, city, country, capacity, _n, provider in EVENTS:
        if code not in projects:
            continue
        end = start + timedelta(days=days - 1)
        events.append(
            Event(
                project=projects[code],
                kind=kind,
                title=title,
                edition=edition,
                theme=theme,
                start_date=start,
                end_date=end,
                online=not city,
                city=city,
                country=countries.get(country),
                venue=f"{city} Convention Centre" if kind == C else "",
                capacity=capacity,
                registration_deadline=start - timedelta(days=14),
                status=_status(start, end, today),
                training_provider=providers.get(provider) if provider else None,
            )
        )
    Event.objects.bulk_create(events)
    workstreams_fill(Event, Workstream)  # each event in its workstream of the plan, as `event_save` would
    sizes = {spec[2]: spec[10] for spec in EVENTS}

    sessions, registrations = [], []
    for event in events:
        for day in event.days:
            slots = [(time(9, 0), time(10, 30)), (time(11, 0), time(12, 30)), (time(14, 0), time(15, 30)),
                     (time(16, 0), time(17, 0))]  # fmt: skip
            for n, (starts, ends) in enumerate(slots):
                sessions.append(
                    Session(
                        event=event,
                        day=day,
                        starts_at=starts,
                        ends_at=ends,
                        title=SESSION_TITLES[(n + 3 * (day - event.start_date).days) % len(SESSION_TITLES)],
                        speakers=", ".join(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 3))),
                        moderators=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        room="Plenary" if n % 2 == 0 else "Room B",
                    )
                )
        pool = people[event.project.code]
        chosen = rng.sample(pool, min(sizes[event.title], len(pool)))
        for n, person in enumerate(chosen):
            if event.kind == T:
                role = Registration.Role.TRAINER if n < 2 else Registration.Role.TRAINEE
            elif n < 3:
                role = Registration.Role.ORGANISER
            elif n < 3 + len(chosen) // 10:
                role = Registration.Role.SPEAKER
            else:
                role = Registration.Role.DELEGATE
            registrations.append(
                Registration(event=event, person=person, role=role, feedback_token=uuid.UUID(int=rng.getrandbits(128)))
            )
    Session.objects.bulk_create(sessions)
    Registration.objects.bulk_create(registrations)

    attendance, feedback = [], []
    held = {e.pk for e in events if e.status == Event.Status.HELD}
    for registration in registrations:
        event = registration.event
        if event.pk not in held:
            continue
        came = rng.random() < 0.9
        present_days = 0
        for day in event.days:
            present = came and (rng.random() < 0.93 or present_days == 0 and day == event.end_date)
            present_days += present
            attendance.append(Attendance(registration=registration, day=day, present=present))
        if present_days and rng.random() < 0.6:
            overall = rng.choice([3, 4, 4, 5, 5])
            feedback.append(
                FeedbackResponse(
                    registration=registration,
                    overall=overall,
                    content=max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
                    organisation=rng.choice([3, 4, 5]),
                    usefulness=max(1, min(5, overall + rng.choice([-1, 0, 1]))),
                    comments=rng.choice(
                        [
                            "",
                            "",
                            "Very useful exchange with colleagues from the region.",
                            "More time for the working groups, please.",
                            "Excellent organisation.",
                        ]
                    ),
                )
            )
    Attendance.objects.bulk_create(attendance, batch_size=2000)
    FeedbackResponse.objects.bulk_create(feedback, batch_size=2000)

    practices = []
    sessions_by_event: dict[int, list[Session]] = {}
    for session in sessions:
        sessions_by_event.setdefault(session.event_id, []).append(session)
    for event in events:
        if event.pk not in held or event.kind not in (C, W, F):
            continue
        crime_area, titles = PRACTICES.get(event.theme, PRACTICES[""])
        if event.project.code == "IMOBEX":
            crime_area = BestPractice.CrimeArea.PROPERTY
        for title in titles:
            practices.append(
                BestPractice(
                    event=event,
                    session=rng.choice(sessions_by_event[event.pk]),
                    title=title,
                    summary=f"{title}: presented at {event.title}, with the lessons learnt and how to apply them.",
                    country=countries[rng.choice(PEOPLE_COUNTRIES[event.project.code])],
                    crime_area=crime_area,
                )
            )
    BestPractice.objects.bulk_create(practices)
    return {
        "events": len(events),
        "registrations": len(registrations),
        "attendance records": len(attendance),
        "feedback responses": len(feedback),
    }
