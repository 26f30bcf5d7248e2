"""Who hears that an operation ended, in what words: driven through the engine and its signal."""

import pytest
from django.core import mail

from accounts.models import Role
from notifications import services
from notifications.models import Kind, Notification
from operations import engine
from operations.registry import get_type
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(location):
    return [factories.make_ticket(location, status="open") for _ in range(3)]


def _operation(user, location, tickets, **kwargs):
    return factories.make_operation(user, location, [t.pk for t in tickets], params={"status": "resolved"}, **kwargs)


def test_the_starter_hears_that_their_operation_completed(manager, location, tickets):
    operation = factories.run_to_end(_operation(manager, location, tickets))

    (notification,) = Notification.objects.all()
    assert (notification.recipient, notification.location, notification.operation) == (manager, location, operation)
    assert notification.kind == Kind.COMPLETED
    assert notification.text == "“Update status” on 3 tickets completed: 3 succeeded."
    assert notification.read_at is None


def test_failures_are_named_in_a_completed_operation(manager, location, tickets, other_ticket):
    ids = [t.pk for t in tickets] + [other_ticket.pk]  # another company's ticket: a failed item
    operation = factories.run_to_end(factories.make_operation(manager, location, ids, params={"status": "resolved"}))
    assert (operation.status, operation.failed, operation.successful) == ("completed", 1, 3)

    notification = Notification.objects.get()
    assert notification.kind == Kind.COMPLETED_WITH_FAILURES
    assert notification.text == "“Update status” on 4 tickets completed with failures: 1 failed, 3 succeeded."


def test_a_failed_operation_says_why(manager, location, tickets, monkeypatch):
    operation = _operation(manager, location, tickets)

    def finish_fails(op):
        raise RuntimeError("the export file could not be written")

    monkeypatch.setattr(get_type(operation.target, operation.operation_type), "finish", finish_fails)
    operation = factories.run_to_end(operation)
    assert operation.status == "failed"

    notification = Notification.objects.get()
    assert notification.kind == Kind.FAILED
    assert notification.text == (
        "“Update status” on 3 tickets failed after 3 of 3 records: the export file could not be written"
    )


def test_cancelling_ones_own_operation_tells_nobody(manager, location, tickets):
    engine.cancel_operation(operation=_operation(manager, location, tickets), user=manager)
    assert not Notification.objects.exists()


def test_a_cancel_by_the_system_tells_nobody(manager, location, tickets):
    engine.cancel_operation(operation=_operation(manager, location, tickets))
    assert not Notification.objects.exists()


def test_a_cancel_by_someone_else_tells_the_starter_who(manager, location, tickets):
    boss = factories.make_user("boss", location=location, role=Role.ADMIN, first_name="Ada", last_name="Boss")
    operation = engine.cancel_operation(operation=_operation(manager, location, tickets), user=boss)
    assert operation.cancelled_by == boss

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (manager, Kind.CANCELLED)
    assert notification.text == "Ada Boss cancelled “Update status” on 3 tickets after 0 of 3 records."
    assert not Notification.objects.filter(recipient=boss).exists()


def test_one_record_is_named_in_the_singular(manager, location, tickets):
    factories.run_to_end(_operation(manager, location, tickets[:1]))
    assert Notification.objects.get().text == "“Update status” on 1 ticket completed: 1 succeeded."


def test_no_email_by_default(manager, location, tickets, django_capture_on_commit_callbacks):
    manager.email = "manager@example.com"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        factories.run_to_end(_operation(manager, location, tickets))
    assert callbacks  # the delivery ran
    assert Notification.objects.count() == 1
    assert mail.outbox == []


def test_an_email_too_when_the_user_asked_for_it(manager, location, tickets, django_capture_on_commit_callbacks):
    manager.email = "manager@example.com"
    manager.save()
    services.set_email_preference(user=manager, email_on_operation_end=True)
    with django_capture_on_commit_callbacks(execute=True):
        operation = factories.run_to_end(_operation(manager, location, tickets))

    (message,) = mail.outbox
    assert message.to == ["manager@example.com"]
    assert message.subject == "“Update status” on 3 tickets completed: 3 succeeded."
    assert f"/operations/{operation.pk}/" in message.body


def test_the_signal_sent_twice_makes_one_notification(manager, location, tickets):
    from operations.signals import send_operation_finished

    operation = factories.run_to_end(_operation(manager, location, tickets))
    send_operation_finished(operation)
    assert Notification.objects.count() == 1


def test_mark_read_and_mark_all_read(manager, location, tickets):
    first = services.notify_operation_finished(factories.run_to_end(_operation(manager, location, tickets[:1])))
    factories.run_to_end(_operation(manager, location, tickets[1:]))
    other = factories.make_user("other-manager", location=location, role=Role.MANAGER)
    factories.run_to_end(_operation(other, location, [factories.make_ticket(location)]))

    services.mark_read(first)
    assert Notification.objects.filter(recipient=manager, read_at__isnull=True).count() == 1
    assert services.mark_all_read(user=manager) == 1
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1  # not theirs to mark


def test_a_mail_server_that_refuses_changes_nothing_else(
    manager, location, tickets, settings, django_capture_on_commit_callbacks, caplog
):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    manager.email = "manager@example.com"
    manager.save()
    services.set_email_preference(user=manager, email_on_operation_end=True)
    with django_capture_on_commit_callbacks(execute=True):
        operation = factories.run_to_end(_operation(manager, location, tickets))

    assert operation.status == "completed"
    assert Notification.objects.get().kind == Kind.COMPLETED
    assert "Could not email notification" in caplog.text
