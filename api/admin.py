"""The API app in the admin: the webhooks (api/webhooks/admin.py)."""

from .webhooks import admin as webhooks_admin  # noqa: F401  registers the endpoints and the delivery log
