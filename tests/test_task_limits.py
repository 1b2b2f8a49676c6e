"""Background work is bounded: every task has time limits, the broker outlasts them, a worker takes one task at a
time, long tasks are acknowledged late, and the SMTP client gives up on a hung server (README "Background work")."""

import subprocess
import sys

from celery import shared_task
from django.conf import settings

from projects.checks import check_task_time_limits, portal_tasks
from selec_portal.celery import app

EVERY_TASK = {
    "conferences.tasks.feedback_reminder_send",
    "projects.tasks.audit_seal",
    "projects.tasks.job_run",
    "projects.tasks.job_sweep",
    "reporting.tasks.monthly_reports_dispatch",
    "reporting.tasks.reminder_send",
    "reporting.tasks.reminders_dispatch",
    "reporting.tasks.reminders_sweep",
}
LONG_TASKS = {
    "projects.tasks.job_run",
    "reporting.tasks.reminders_dispatch",
    "reporting.tasks.monthly_reports_dispatch",
}


def test_every_task_of_the_portal_declares_a_soft_and_a_hard_time_limit():
    tasks = {task.name: task for task in portal_tasks()}
    assert EVERY_TASK <= set(tasks)  # and every other one the apps register
    for task in tasks.values():
        assert 0 < task.soft_time_limit < task.time_limit, task.name
    assert check_task_time_limits() == []


def test_a_task_that_declares_no_limits_gets_the_short_ones():
    @shared_task(name="projects.tasks.test_plain")
    def plain():
        pass

    try:
        task = app.tasks["projects.tasks.test_plain"]
        limits = (task.soft_time_limit, task.time_limit)
        errors = check_task_time_limits()
    finally:
        app.tasks.pop("projects.tasks.test_plain")
    assert limits == (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)
    assert errors == []


def test_a_task_whose_soft_limit_is_not_below_its_hard_one_fails_the_system_check():
    @shared_task(name="projects.tasks.test_soft_above_hard", soft_time_limit=settings.CELERY_TASK_TIME_LIMIT + 60)
    def soft_above_hard():
        pass

    try:
        errors = check_task_time_limits()
    finally:
        app.tasks.pop("projects.tasks.test_soft_above_hard")
    assert [(e.id, "projects.tasks.test_soft_above_hard" in e.msg) for e in errors] == [("projects.E005", True)]


def test_the_broker_gives_a_task_to_another_worker_only_after_the_longest_hard_time_limit():
    longest = max(task.time_limit for task in portal_tasks())
    assert longest == settings.PORTAL_LONG_TASK_TIME_LIMIT
    assert app.conf.broker_transport_options["visibility_timeout"] > longest


def test_a_visibility_timeout_below_the_longest_task_stops_the_portal_from_starting():
    env = {"DJANGO_SETTINGS_MODULE": "selec_portal.settings_test", "REDIS_URL": settings.REDIS_URL}
    check = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**env, "CELERY_VISIBILITY_TIMEOUT": "600", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1 and "projects.E006" in check.stderr


def test_long_tasks_are_acknowledged_late_and_given_back_when_their_worker_is_lost():
    for task in portal_tasks():
        if task.name in LONG_TASKS:
            assert task.acks_late and task.reject_on_worker_lost, task.name
            assert task.time_limit == settings.PORTAL_LONG_TASK_TIME_LIMIT


def test_a_worker_takes_one_task_at_a_time():
    assert app.conf.worker_prefetch_multiplier == 1


def test_the_smtp_client_gives_up_on_a_mail_server_that_does_not_answer():
    from django.core.mail import get_connection

    assert settings.EMAIL_TIMEOUT == 30
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == settings.EMAIL_TIMEOUT
