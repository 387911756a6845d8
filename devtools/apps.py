"""Developer tools as a Django app: the benchmark and the synthetic-data generator (`manage.py bench`,
`manage.py generate_commitments`). Installed in the quickstart and the tests, not in production (JLIS_DEVTOOLS)."""

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "devtools"
    verbose_name = "Developer tools"
