from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators: nobody signs up."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        """The address the session list shows: the same rule as the lockout's (accounts.network)."""
        from .network import client_ip

        return client_ip(request) or ""
