"""The portal's Django admin: for superusers only.

The admin edits every record of every project, past the project roles, so `is_staff` alone opens nothing here.
A signed-in user without the superuser flag gets the portal's 403 page for every admin URL (the login page
included); an anonymous visitor is sent to the portal's login, the one way in.
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache


class PortalAdminSite(admin.AdminSite):
    site_header = _("SELEC portal administration")
    site_title = _("SELEC portal")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin writes through the services and is recorded, those of other packages included (Django's
        groups, Celery beat's schedules): see `projects.admin_base.adopted`."""
        from projects.admin_base import adopted

        super().register(model_or_iterable, adopted(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)  # anonymous visitors: to the login, as Django does

        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return checked(request, *args, **kwargs)

        return update_wrapper(inner, checked)

    def password_change(self, request, extra_context=None):
        """One way to change a password: the portal's form (allauth's), which ends the user's other sessions."""
        return HttpResponseRedirect(reverse("password_change"))

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """No login form of its own: superusers go in, other users are refused, visitors log in on the portal."""
        index = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return HttpResponseRedirect(index)
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or index, settings.LOGIN_URL)
