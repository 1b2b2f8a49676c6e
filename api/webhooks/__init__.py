"""Webhooks: an admin registers a URL, a secret and the events it wants; the portal posts a thin, signed message
(Standard Webhooks) to it for each event, through the outbox, with retries, and disables an endpoint that keeps
failing. `models` (endpoints, deliveries), `signing` (sign and verify), `addresses` (the allow-list), `links` (the
API URLs of the payloads), `sending` (one HTTP POST), `services` (every write), `admin`. See docs/DEVELOPING.md,
"Webhooks"."""
