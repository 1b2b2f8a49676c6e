"""The portal's display formats: "10 Dec 2026", as the pages write dates (`date_format(value)` in messages)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
