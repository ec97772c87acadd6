from tests.integration.conftest import cluster, partners_tap, pytest_runtest_makereport  # noqa
