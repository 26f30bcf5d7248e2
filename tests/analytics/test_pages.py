"""The analytics page, its HTMX partial, the dashboard partials, and who may see what."""

import pytest
from django.urls import reverse

from tests.analytics.conftest import make_operation


@pytest.fixture
def page_url():
    return reverse("analytics:index")


def test_page_shows_the_figures_of_the_location(history, admin_user, client_for, page_url):
    response = client_for(admin_user).get(page_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-metric="total_operations">14<' in html
    assert 'data-metric="records_processed">1,530<' in html
    assert "Record not found" in html
    assert 'id="analytics-data"' in html and "chart.umd.min.js" in html
    assert "Secret" not in html  # the other tenant's error message


def test_period_picker_answers_htmx_with_the_partial_only(history, admin_user, client_for, page_url):
    response = client_for(admin_user).get(page_url, {"period": "7"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="analytics-body"')
    assert "<html" not in html
    assert 'data-metric="total_operations">10<' in html
    assert "Last 7 days" in html


def test_date_range_and_filters_narrow_the_figures(history, admin_user, manager, client_for, page_url):
    client = client_for(admin_user)
    html = client.get(page_url, {"period": "90", "user": manager.pk}).content.decode()
    assert 'data-metric="total_operations">1<' in html
    html = client.get(page_url, {"period": "30", "operation_type": "tickets.add_comment"}).content.decode()
    assert 'data-metric="total_operations">2<' in html


def test_invalid_filters_fall_back_to_thirty_days_with_a_message(history, admin_user, outsider, client_for, page_url):
    html = client_for(admin_user).get(page_url, {"period": "range", "start": "2026-02-10", "end": "2026-01-01"}).content
    assert b"The end date must not be before the start date." in html
    html = client_for(admin_user).get(page_url, {"user": outsider.pk}).content
    assert b"No member of this location has this id." in html
    assert b'data-metric="total_operations">14<' in html


def test_outsider_sees_only_their_own_location(history, outsider, client_for, page_url):
    html = client_for(outsider).get(page_url).content.decode()
    assert 'data-metric="total_operations">1<' in html  # their one operation
    assert "Secret" in html and "Record not found" not in html


def test_empty_location_shows_zeros_and_an_empty_state(admin_user, client_for, page_url):
    html = client_for(admin_user).get(page_url).content.decode()
    assert 'data-metric="total_operations">0<' in html
    assert 'data-metric="item_success_rate">\u2013<' in html
    assert "No operations in this period" in html
    assert "No calls were placed in this period." in html


def test_page_needs_login(client, page_url):
    response = client.get(page_url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_dashboard_cards_and_running_list(history, admin_user, outsider, location, client_for):
    html = client_for(admin_user).get(reverse("analytics:cards")).content.decode()
    assert 'data-metric="total_operations">14<' in html
    running = client_for(admin_user).get(reverse("analytics:running")).content.decode()
    assert 'hx-trigger="every 3s"' in running
    assert "500/1,000" in running  # the one operation in progress
    assert "No operation is running." in client_for(outsider).get(reverse("analytics:running")).content.decode()
    theirs = client_for(outsider).get(reverse("analytics:cards")).content.decode()
    assert 'data-metric="total_operations">1<' in theirs  # only their own operation


def test_running_list_drops_finished_operations(location, admin_user, client_for):
    operation = make_operation(location, admin_user, status="pending", total=3, processed=0)
    client = client_for(admin_user)
    assert "0/3" in client.get(reverse("analytics:running")).content.decode()
    operation.status = "completed"
    operation.save(update_fields=["status"])
    assert "No operation is running." in client.get(reverse("analytics:running")).content.decode()


def test_dashboard_loads_the_analytics_cards_and_running_list(admin_user, client_for):
    html = client_for(admin_user).get(reverse("dashboard")).content.decode()
    assert f'hx-get="{reverse("analytics:cards")}"' in html
    assert f'hx-get="{reverse("analytics:running")}"' in html
