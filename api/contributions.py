"""Everything the API app adds to the portal through the core's registry: the webhooks' demo data. (Its webhooks
hear the services' domain events through `projects.events`, connected in `apps.py`.)"""

from projects.registry import Contributions, Seeder

from .webhooks import demo

CONTRIBUTIONS = Contributions(seeders=[Seeder(demo.seed, order=95)])
