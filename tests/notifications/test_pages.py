"""The bell on every page, its menu, and the notifications page: one's own only; another's is a 404."""

import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.models import Kind, Notification, NotificationPreference
from tests import factories

pytestmark = pytest.mark.django_db


def _notify(user, location, text="“Update status” on 1 ticket completed: 1 succeeded."):
    operation = factories.make_operation(user, location, [factories.make_ticket(location).pk])
    return Notification.objects.create(
        recipient=user, location=location, operation=operation, kind=Kind.COMPLETED, text=text
    )


@pytest.fixture
def colleague(location):
    return factories.make_user("colleague", location=location, role=Role.MANAGER)


def test_the_bell_shows_the_unread_count_on_every_page(manager, location, client_for):
    client = client_for(manager)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-notification-bell data-ws-path="/ws/notifications/"' in page
    assert 'data-unread-count aria-label="0 unread" hidden>0<' in page
    _notify(manager, location)
    _notify(manager, location)
    page = client.get(reverse("leads:list")).content.decode()
    assert 'data-unread-count aria-label="2 unread">2<' in page


def test_the_menu_lists_the_latest_with_links_to_their_operations(manager, colleague, location, client_for):
    mine = _notify(manager, location, "Mine finished")
    _notify(colleague, location, "Theirs finished")
    page = client_for(manager).get(reverse("notifications:menu"), HTTP_HX_REQUEST="true").content.decode()
    assert "Mine finished" in page and "Theirs finished" not in page
    assert reverse("operations:detail", args=[mine.operation_id]) in page
    assert "Mark all read" in page


def test_the_page_lists_ones_own_with_times_in_the_locations_zone(manager, colleague, location, client_for):
    location.timezone = "America/New_York"
    location.save()
    _notify(manager, location, "Mine finished")
    _notify(colleague, location, "Theirs finished")
    page = client_for(manager).get(reverse("notifications:list")).content.decode()
    assert "Mine finished" in page and "Theirs finished" not in page
    assert " EST<" in page or " EDT<" in page
    assert "1 unread" in page


def test_mark_read_returns_to_the_page_it_was_sent_from(manager, location, client_for):
    notification = _notify(manager, location)
    response = client_for(manager).post(reverse("notifications:read", args=[notification.pk]), {"next": "/leads/"})
    assert response.status_code == 302 and response["Location"] == "/leads/"
    notification.refresh_from_db()
    assert notification.is_read


def test_mark_read_goes_nowhere_offsite(manager, location, client_for):
    notification = _notify(manager, location)
    response = client_for(manager).post(
        reverse("notifications:read", args=[notification.pk]), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("notifications:list")


def test_another_users_notification_is_a_404(manager, colleague, outsider, other_location, location, client_for):
    for notification in (_notify(colleague, location), _notify(outsider, other_location)):
        response = client_for(manager).post(reverse("notifications:read", args=[notification.pk]))
        assert response.status_code == 404
        notification.refresh_from_db()
        assert not notification.is_read


def test_mark_all_read(manager, colleague, location, client_for):
    _notify(manager, location)
    theirs = _notify(colleague, location)
    response = client_for(manager).post(reverse("notifications:read-all"), follow=True)
    assert "Marked 1 notification read." in response.content.decode()
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_the_email_preference_is_off_until_turned_on(manager, client_for):
    client = client_for(manager)
    assert 'name="email_on_operation_end" checked' not in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:preferences"), {"email_on_operation_end": "on"})
    assert NotificationPreference.objects.get(user=manager).email_on_operation_end
    assert 'name="email_on_operation_end" checked' in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:preferences"), {})
    assert not NotificationPreference.objects.get(user=manager).email_on_operation_end


def test_signed_out_is_sent_to_log_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_operation_page_says_who_cancelled(manager, location, client_for):
    from operations import engine

    boss = factories.make_user("boss", location=location, role=Role.ADMIN, first_name="Ada", last_name="Boss")
    operation = factories.make_operation(manager, location, [factories.make_ticket(location).pk])
    engine.cancel_operation(operation=operation, user=boss)
    page = client_for(manager).get(reverse("operations:detail", args=[operation.pk])).content.decode()
    assert " by Ada Boss after 0 records</dd>" in page
