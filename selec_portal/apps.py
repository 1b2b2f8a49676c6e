from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin app with the portal's site as `admin.site`, so every `admin.register` lands on it."""

    default_site = "selec_portal.admin.PortalAdminSite"
