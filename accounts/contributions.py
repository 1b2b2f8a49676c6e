"""Everything the accounts app adds to the portal: the demo accounts' authenticator apps."""

from projects.registry import Contributions, Seeder

from . import demo

CONTRIBUTIONS = Contributions(
    seeders=[Seeder(demo.seed_second_factors, order=5)],  # right after the core's demo accounts
)
