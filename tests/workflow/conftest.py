from tests.results.conftest import ids  # noqa: F401  (the quarter tests' fixture, shared)
