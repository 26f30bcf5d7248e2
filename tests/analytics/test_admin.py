"""Manual-effort estimates in admin: staff see and set only their own locations' assumptions."""

from django.urls import reverse

from analytics.models import ManualEffortEstimate


def test_staff_sees_only_their_locations_estimates(location, other_location, manager, outsider, client_for):
    ManualEffortEstimate.objects.create(
        location=location, target="tickets", operation_type="assign", seconds_per_item=41
    )
    ManualEffortEstimate.objects.create(
        location=other_location, target="tickets", operation_type="assign", seconds_per_item=97
    )
    for user in (manager, outsider):
        user.is_staff = True
        user.save()
        user.user_permissions.add(*_permissions())
    url = reverse("admin:analytics_manualeffortestimate_changelist")
    mine = client_for(manager).get(url).content.decode()
    assert ">41<" in mine and ">97<" not in mine
    theirs = client_for(outsider).get(url).content.decode()
    assert ">97<" in theirs and ">41<" not in theirs


def test_staff_adds_an_estimate_that_the_analytics_use(location, manager, client_for):
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(*_permissions())
    response = client_for(manager).post(
        reverse("admin:analytics_manualeffortestimate_add"),
        {"location": location.pk, "target": "tickets", "operation_type": "assign", "seconds_per_item": 45},
    )
    assert response.status_code == 302
    from analytics.figures import Effort, effort_estimates

    efforts = effort_estimates(location=location)
    assert efforts[("tickets", "assign")] == Effort(45, "record", "configured")
    assert efforts[("tickets", "update_status")] == Effort(20, "record", "default")


def _permissions():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__endswith="manualeffortestimate")
