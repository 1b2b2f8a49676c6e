"""The feed itself (`/calendars/<token>.ics`, no sign-in: the token is the key) and the pages of one's feeds
(Account → Calendar feeds: list, create with the address shown once, revoke)."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.network import client_ip
from projects.viewkit import add_service_errors

from . import services
from .forms import FeedForm
from .ical import absolute, feed_calendar
from .queries import feeds_of, live_feed

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


def feed_address(plaintext: str) -> str:
    return absolute(reverse("api:calendar-feed", kwargs={"token": plaintext}))


@login_not_required
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The project's calendar; 404 for an unknown token as for a revoked feed, an inactive user or a user who left
    the project. Never a cookie (a calendar service keeps none); an unchanged feed is a 304 on `If-None-Match`."""
    calendar_feed = live_feed(token)
    if calendar_feed is None:  # plain text: the portal's 404 page would set a CSRF cookie
        return HttpResponseNotFound("Not found\n", content_type="text/plain; charset=utf-8")
    body = feed_calendar(calendar_feed, today=timezone.localdate())
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(body, content_type=CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Referrer-Policy"] = "no-referrer"  # the address is the secret
    response["X-Robots-Tag"] = "noindex"
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="{calendar_feed.project.code}.ics"'
    services.feed_fetched(
        feed=calendar_feed,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        status=response.status_code,
    )
    return response


def feed_list(request: HttpRequest) -> HttpResponse:
    form = FeedForm(request.POST or None, user=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            calendar_feed, plaintext = services.feed_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            created = {"feed": calendar_feed, "address": feed_address(plaintext)}
            form = FeedForm(user=request.user)
    context = {"form": form, "feeds": feeds_of(request.user), "created": created}
    return render(request, "api/calendar_list.html", context)


@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    calendar_feed = get_object_or_404(feeds_of(request.user), pk=pk)
    try:
        services.feed_revoke(user=request.user, feed=calendar_feed)
    except ValidationError:
        raise Http404 from None
    messages.success(request, _("The calendar feed of %(project)s was revoked.") % {"project": calendar_feed.project})
    return redirect("api:calendar-list")
