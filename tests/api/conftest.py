"""Fixtures of the API tests (the records of both tenants are in tests/conftest.py)."""

import pytest

from tests import factories


@pytest.fixture
def team(location):
    return factories.make_team(location, "Sales East")
