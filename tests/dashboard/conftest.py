from tests.dashboard.helpers import browser  # noqa: F401
