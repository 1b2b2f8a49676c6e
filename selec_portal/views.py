"""Site-wide pages that belong to no app: the health check for load balancers, the favicon, and the address where
browsers report what the Content Security Policy blocked."""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from projects.queue import broker_connection, outbox_backlog


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    ping = getattr(caches["default"], "ping", None)  # the Redis cache; a local-memory cache is always there
    if ping is not None:
        ping()
    return "ok"


def _check_broker() -> str:
    with broker_connection() as conn:  # short timeouts: a hung Redis must not hold the health check
        conn.ensure_connection(max_retries=0, timeout=2)
    return "ok"


def _error(exc: Exception) -> str:
    return f"error: {exc.__class__.__name__}"


@login_not_required
@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests; nothing it depends on is checked (that is /healthz). For process
    supervisors, and the floor of the benchmarks (a trivial view behind the same middleware as every page)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the state of each part the portal uses.

    503 ("unavailable") only when the database is down: without it no page works. With Redis down (cache, broker)
    pages still render and writes still commit, their background work waiting in the outbox, so the answer is 200
    with "degraded": a load balancer keeps the node, monitoring raises the alarm. The outbox is "late" when its
    oldest task has waited longer than PORTAL_OUTBOX_LATE_SECONDS (beat drains it every minute).
    """
    checks = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure of a dependency is reported, never raised
            checks[name] = _error(exc)
    try:
        backlog = outbox_backlog()
    except Exception as exc:
        checks["outbox"] = _error(exc)
    else:
        late = (backlog["oldest_seconds"] or 0) > settings.PORTAL_OUTBOX_LATE_SECONDS
        checks["outbox"] = "late" if late else "ok"
        checks["outbox_pending"] = backlog["pending"]
        checks["outbox_oldest_seconds"] = backlog["oldest_seconds"]
    if checks["database"] != "ok":
        status = "unavailable"
    elif any(checks[name] != "ok" for name in ("cache", "broker", "outbox")):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=503 if status == "unavailable" else 200)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and the admin's pages ask for /favicon.ico: send them to the vendored icon (served as static)."""
    return redirect(static("img/favicon.ico"), permanent=True)


csp_logger = logging.getLogger("selec_portal.csp")

# A browser's report is a few hundred bytes; anything much larger is not one.
CSP_REPORT_MAX_BYTES = 16 * 1024
# What a report says that is worth logging, under its two spellings (report-uri's "csp-report" and the Reporting
# API's "csp-violation" body); each value is cut to a line, as anyone can post here.
_CSP_REPORT_FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "sample": ("script-sample", "sample"),
    "disposition": ("disposition",),
}


def _csp_violations(payload) -> list[dict]:
    """The violation bodies of a report: {"csp-report": {...}} or [{"type": "csp-violation", "body": {...}}, ...]."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [
            item["body"]
            for item in payload
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    return []


def _csp_summary(body: dict) -> dict[str, str]:
    summary = {}
    for name, keys in _CSP_REPORT_FIELDS.items():
        value = next((body[key] for key in keys if body.get(key) not in (None, "")), "")
        summary[name] = " ".join(str(value).split())[:300]
    return summary


@login_not_required
@csrf_exempt  # browsers send reports without a CSRF token (and without cookies, often)
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post here what the Content Security Policy blocked (settings.CONTENT_SECURITY_POLICY's report-uri);
    each violation is logged as a warning. Anyone may post, so the body is bounded and nothing is stored."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > CSP_REPORT_MAX_BYTES:
        return HttpResponse("The report is too large.", status=413, content_type="text/plain")
    raw = request.read(CSP_REPORT_MAX_BYTES + 1)
    if len(raw) > CSP_REPORT_MAX_BYTES:
        return HttpResponse("The report is too large.", status=413, content_type="text/plain")
    try:
        violations = _csp_violations(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        violations = []
    if not violations:
        return HttpResponse("Not a Content Security Policy report.", status=400, content_type="text/plain")
    for body in violations[:10]:
        summary = _csp_summary(body)
        csp_logger.warning(
            "Content Security Policy violation: %(directive)s blocked %(blocked)s on %(document)s "
            "(%(source)s line %(line)s, %(disposition)s) %(sample)s",
            summary,
            extra={"csp_report": summary},
        )
    return HttpResponse(status=204)
