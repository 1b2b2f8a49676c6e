"""Events with participants: the DTP-TOC conference series, ATHENA 2 workshops and trainings, the IMOBEX expert
workshop and field lab. One `Event` model serves every project; its kind says what it is.

People are the core's `projects.models.Person`, so the same person at several events is one person and is
counted once. The business rules (status transitions, check-in) live in `services.py`; the registration limits
are asked of the event (`Event.registration_problems`), by the registration service and the participant import.
"""

from .events import MAX_CAPACITY, MAX_EDITION, PARTICIPANT_ROLES, Event, EventQuerySet, RegistrationRole, Session  # noqa: F401
from .participation import (  # noqa: F401
    RATING,
    Attendance,
    BestPractice,
    FeedbackResponse,
    Registration,
    RegistrationQuerySet,
    attended_condition,
)
