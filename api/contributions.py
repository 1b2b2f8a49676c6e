"""What the API app adds to the portal through the core's registry: demo calendar feeds."""

from projects.registry import Contributions, Seeder

from . import demo

CONTRIBUTIONS = Contributions(seeders=[Seeder(demo.seed, order=90)])
