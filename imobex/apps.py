from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImobexConfig(AppConfig):
    name = "imobex"
    verbose_name = _("IMOBEX workstreams")
