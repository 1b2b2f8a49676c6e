"""Lockout after failed logins: counted by axes in the database, per (account, address) and per address."""

from datetime import timedelta

import pytest
import redis
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.network import client_ip
from projects.models import AuditEvent
from tests.accounts.conftest import current_code, log_in, logged_in
from tests.conftest import PASSWORD

ELSEWHERE = {"REMOTE_ADDR": "10.9.8.7"}


def _fail(client, username: str, times: int, **meta):
    for _ in range(times):
        response = log_in(client, username, "not-the-password", **meta)
    return response


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_password(client, staff):
    assert _fail(client, "staff", 4).status_code == 200  # the form again, with its message
    locked = _fail(client, "staff", 1)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'data-testid="locked-out"' in page and "SELEC portal" in page and "15 minutes" in page
    assert log_in(client, "staff").status_code == 429
    assert not logged_in(client)


def test_the_locked_account_still_logs_in_from_another_address(client, staff):
    _fail(client, "staff", 5)
    response = log_in(Client(), "staff", **ELSEWHERE)
    assert response.status_code == 302 and response.url == "/"


def test_four_failures_then_the_right_password_log_in_and_start_the_count_again(client, staff):
    _fail(client, "staff", 4)
    assert log_in(client, "staff").status_code == 302 and logged_in(client)
    client.logout()
    assert _fail(client, "staff", 4).status_code == 200  # four more are not yet a lock


def test_logging_in_to_ones_own_account_between_guesses_clears_no_other_count(client, staff, viewer):
    for _ in range(4):
        _fail(client, "staff", 1)
        assert log_in(Client(), "viewer").status_code == 302  # the guesser's own account, from the same address
    assert _fail(client, "staff", 1).status_code == 429
    for n in range(15):  # 5 failures so far from the address; 15 more on other accounts, with successes between
        log_in(client, f"someone-{n % 4}", "not-the-password")
        log_in(Client(), "viewer")
    assert log_in(Client(), "viewer").status_code == 429  # 20 failures from the address


def test_the_case_of_the_username_does_not_dodge_the_count(client, staff):
    for name in ("staff", "STAFF", "Staff", "sTaff", "staFF"):
        response = log_in(client, name, "not-the-password")
    assert response.status_code == 429
    assert log_in(client, "staff").status_code == 429


def test_twenty_failures_across_accounts_lock_the_address_for_every_account(client, staff, viewer):
    for n in range(20):
        response = log_in(client, f"someone-{n % 5}", "not-the-password")  # four per account: no pair is locked
    assert response.status_code == 429
    assert log_in(client, "viewer").status_code == 429  # an account never tried from here
    assert log_in(Client(), "viewer", **ELSEWHERE).status_code == 302


def test_nineteen_failures_across_accounts_lock_nothing_yet(client, viewer):
    for n in range(19):
        log_in(client, f"someone-{n % 5}", "not-the-password")
    assert log_in(client, "viewer").status_code == 302


def test_the_lock_ends_after_fifteen_minutes(client, staff):
    _fail(client, "staff", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "staff").status_code == 302 and logged_in(client)


def test_failures_during_the_lock_do_not_prolong_it(client, staff):
    _fail(client, "staff", 5)
    locked_at = AccessAttempt.objects.get().attempt_time
    _fail(client, "staff", 3)
    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_wrong_second_factor_codes_count_as_failures_and_lock_the_account(client, manager):
    response = log_in(client, "manager")
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    for _ in range(4):
        assert client.post(response.url, {"code": "000000"}).status_code == 200
    assert client.post(response.url, {"code": "000000"}).status_code == 429
    refused = client.post(response.url, {"code": current_code()})  # the right code no longer helps
    assert not logged_in(client) and "locked" in refused.content.decode()
    assert log_in(Client(), "manager").status_code == 429  # nor does starting again


@pytest.mark.parametrize("trusted", [0])
def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, staff, settings, trusted):
    settings.PORTAL_TRUSTED_PROXIES = trusted
    for n in range(5):  # a new made-up address in the header each time
        response = log_in(client, "staff", "not-the-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert response.status_code == 429
    assert log_in(client, "staff", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_x_forwarded_for_is_believed_through_one_trusted_proxy(client, staff, settings):
    settings.PORTAL_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The client prepends an address of its own choosing each time; the proxy appends the one it saw.
    for n in range(5):
        response = log_in(client, "staff", "x" * 12, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9", **proxy)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    response = log_in(Client(), "staff", HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)  # another client, same proxy
    assert response.status_code == 302


@pytest.mark.parametrize(
    "trusted, forwarded, remote, expected",
    [
        (0, "", "10.0.0.2", "10.0.0.2"),
        (0, "203.0.113.9", "10.0.0.2", "10.0.0.2"),
        (1, "203.0.113.9", "10.0.0.2", "203.0.113.9"),
        (1, "192.0.2.1, 203.0.113.9", "10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.2", "10.0.0.2"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.3", "10.0.0.2", "203.0.113.9"),
        (1, "not-an-address", "10.0.0.2", "10.0.0.2"),
        (1, "2001:db8::1", "10.0.0.2", "2001:db8::1"),
    ],
)
def test_the_client_address_counts_only_trusted_proxies(settings, trusted, forwarded, remote, expected):
    settings.PORTAL_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def test_an_admin_unlocks_an_account_in_the_admin_and_it_is_recorded(client, client_for, staff, admin_user):
    _fail(client, "staff", 5)
    attempt = AccessAttempt.objects.get()
    admin = client_for(admin_user)
    assert "staff" in admin.get("/admin/axes/accessattempt/").content.decode()
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(action="delete", object_type="axes.AccessAttempt")
    assert event.username == "admin"
    admin.logout()
    assert log_in(client, "staff").status_code == 302


def test_only_superusers_reach_the_lockouts_in_the_admin(client_for, manager):
    assert client_for(manager).get("/admin/axes/accessattempt/").status_code == 403


REDIS_DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_with_the_cache_down_logins_work_and_the_lock_holds(client, staff, manager, settings):
    settings.CACHES = REDIS_DOWN
    from django.core.cache import cache

    with pytest.raises(redis.exceptions.ConnectionError):  # the cache is really unreachable
        cache.get("anything")
    response = log_in(client, "manager", code=current_code())
    assert response.status_code == 302 and response.url == "/" and logged_in(client)
    other = Client()
    _fail(other, "staff", 5)
    assert log_in(other, "staff").status_code == 429 and not logged_in(other)
    assert log_in(Client(), "staff", **ELSEWHERE).status_code == 302
    assert log_in(Client(), "staff", PASSWORD, **ELSEWHERE).status_code == 302
