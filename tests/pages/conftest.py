import pytest

from accounts.models import Membership, Role
from tests import factories


@pytest.fixture
def member_of_both(location, other_location):
    """A user who belongs to Demo Realty and to Other Co."""
    user = factories.make_user("both", location=location, role=Role.MANAGER)
    Membership.objects.create(user=user, location=other_location, role=Role.AGENT)
    return user


@pytest.fixture
def other_lead(other_location):
    return factories.make_lead(
        other_location, first_name="Secret", last_name="Othertenant", email="secret@other.example"
    )
