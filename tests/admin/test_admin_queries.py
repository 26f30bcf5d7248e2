"""The admin's app list asks the policy about every model and permission: the staff member's roles
are read once per request, not once per question (before, the index cost hundreds of queries)."""

from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import Membership, Role
from tests import factories


def test_the_admin_index_reads_the_staff_members_roles_once(location, other_location, django_assert_max_num_queries):
    staff = factories.make_user("staff", location=location, role=Role.MANAGER, is_staff=True)
    Membership.objects.create(user=staff, location=other_location, role=Role.AGENT)
    staff.user_permissions.add(*Permission.objects.all())
    client = Client()
    client.force_login(staff)
    with django_assert_max_num_queries(15):
        response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Leads" in response.content


def test_a_role_changed_between_two_requests_is_seen_on_the_second(location):
    staff = factories.make_user("staff", location=location, role=Role.AGENT, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_location", "change_location"]))
    client = Client()
    client.force_login(staff)
    change_url = f"/admin/accounts/location/{location.pk}/change/"
    assert b'name="_save"' not in client.get(change_url).content
    Membership.objects.filter(user=staff, location=location).update(role=Role.ADMIN)
    assert b'name="_save"' in client.get(change_url).content
