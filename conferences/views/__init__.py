"""Pages of the conferences app: thin function views that check access, call a query or a service, render."""
