"""The time zone of an event's agenda: its sessions' times are the venue's wall-clock times, so the zone is the
venue country's (the IANA database's zone.tab, shipped by the tzdata package); an online event, or one without a
country, keeps the portal's default zone for users."""

from __future__ import annotations

import functools
import zoneinfo
from importlib.resources import files

from django.conf import settings

# zone.tab lists a country's zones most populous first, except where its geographical order puts a far one first.
PRINCIPAL_ZONES = {"RU": "Europe/Moscow", "UA": "Europe/Kyiv"}


@functools.cache
def zones_by_country() -> dict[str, str]:
    """{ISO country code: the country's principal zone}."""
    zones: dict[str, str] = {}
    for line in files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, name = line.split("\t")[:3]
        zones.setdefault(code, name)
    return zones | PRINCIPAL_ZONES


def event_zone(country_code: str | None, online: bool = False) -> zoneinfo.ZoneInfo:
    """The zone an event's session times are in."""
    name = None if online or not country_code else zones_by_country().get(country_code.upper())
    return zoneinfo.ZoneInfo(name or settings.PORTAL_DEFAULT_USER_TIME_ZONE)
