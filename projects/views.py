"""Core pages: the portfolio, a project, the user's settings, and the health check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from selec_portal.celery import app as celery_app

from . import queries
from .forms import ProfileForm
from .middleware import SESSION_TIME_ZONE_KEY
from .models import AuditEvent, BackgroundJob, Profile
from .services import audit_log, profile_update


def portfolio(request: HttpRequest) -> HttpResponse:
    projects = list(queries.visible_projects(request.user).order_by("start_date", "code"))
    progress = queries.indicator_progress(projects)
    today = timezone.localdate()
    rows = [{"project": p, "indicators": progress[p.pk], "elapsed": p.time_elapsed_percent(today)} for p in projects]
    return render(request, "projects/portfolio.html", {"rows": rows, "today": today})


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = queries.project_for_user(request.user, code)
    context = queries.project_page_data(project)
    context.update(project=project, today=timezone.localdate(), elapsed=project.time_elapsed_percent())
    return render(request, "projects/project_detail.html", context)


def job_detail(request: HttpRequest, code: str, pk) -> HttpResponse:
    """A background job's progress; the page polls itself (htmx) until the job is finished."""
    project = queries.project_for_user(request.user, code)
    job = get_object_or_404(BackgroundJob.objects.filter(project=project).select_related("user"), pk=pk)
    template = "projects/includes/job_status.html" if request.headers.get("HX-Request") else "projects/job_detail.html"
    return render(request, template, {"project": project, "job": job})


def job_download(request: HttpRequest, code: str, pk) -> FileResponse:
    project = queries.project_for_user(request.user, code)
    job = get_object_or_404(BackgroundJob.objects.filter(project=project), pk=pk)
    if job.status != BackgroundJob.Status.SUCCEEDED or not job.result:
        raise Http404(_("This job has no result to download."))
    audit_log(user=request.user, action=AuditEvent.Action.EXPORT, obj=job, project=project)
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result.name.rsplit("/", 1)[-1])


def account_settings(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).first() or Profile(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = profile_update(user=request.user, **form.cleaned_data)
        request.session[SESSION_TIME_ZONE_KEY] = profile.time_zone
        messages.success(request, _("Your settings were saved."))
        return redirect("projects:account-settings")
    return render(request, "projects/account_settings.html", {"form": form})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the state of the database and the Celery broker, 200 or 503."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure of a dependency is reported, never raised
            checks[name] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
