"""What the API app adds to the portal through the core's registry: demo calendar feeds and webhooks."""

from projects.registry import Contributions, Seeder

from . import demo
from .webhooks import demo as webhooks_demo


def _seed(**kwargs) -> dict[str, int]:
    return demo.seed(**kwargs) | webhooks_demo.seed(**kwargs)


CONTRIBUTIONS = Contributions(seeders=[Seeder(_seed, order=90)])
