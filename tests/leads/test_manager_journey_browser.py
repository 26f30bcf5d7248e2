"""A manager's whole lead journey in a real chromium, against daphne and a real worker.

Log in; import leads from a messy Excel-made CSV (Windows-1252, semicolons, Spanish headers,
one bad row, one duplicate) through the upload, mapping and preview pages, and watch it run;
score the imported leads; send them an SMS whose segment count follows the typing; read the
per-record results by name with before → after; undo the scoring.
"""

import json
import os

import pytest
from django.urls import reverse

from accounts.models import Role
from leads.models import Lead, Message
from operations.models import BulkOperation, ItemStatus
from tests import factories
from tests.operations.test_pages_browser import log_in, web_server
from tests.workers import running_workers, sqlite_file_database

pytestmark = [pytest.mark.browser, pytest.mark.workers, pytest.mark.django_db(transaction=True)]

CSV = (
    "nombre;apellidos;correo;teléfono;presupuesto\n"
    "José;Núñez;jose@example.com;(202) 555-0143;350000\n"
    "María;Peña;maria@example.com;(202) 555-0144;\n"
    "Ana;Gómez;no-es-un-correo;;\n"
    "Viejo;Amigo;old@example.com;;\n"
).encode("cp1252")

LONG_SMS = "Hola {first_name}, " + "tenemos nuevas casas en venta cerca de usted. " * 4  # > 160 GSM-7
FINAL_SMS = "Hola {first_name}, ¿le llamamos mañana? Nuevas casas 🏡"  # 🏡 is not GSM-7: UCS-2
MAX_WAIT_MS = 60_000


def shoot(page, name):
    """During development, SCREENSHOTS=<dir> keeps a picture of every step to look at."""
    if folder := os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def drop_file(page, target, path):
    """Drop a file from the desktop on `target`, as a drag and drop does (the page's own drop handler runs)."""
    transfer = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "text/csv"}));
            return transfer;
        }""",
        [path.name, list(path.read_bytes())],
    )
    page.dispatch_event(target, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(target, "drop", {"dataTransfer": transfer})


def select_leads(page, base, leads, operation_type):
    page.goto(base + reverse("leads:list"))
    for lead in leads:
        page.check(f"[data-select-row][value='{lead.pk}']")
    page.select_option("#bulk-operation-type", operation_type)
    page.click("#bulk-form button[type=submit]")
    page.wait_for_url("**/leads/bulk/**")
    page.wait_for_selector(f"#builder-count >> text={len(leads)}")


def run_and_watch(page, operation_type):
    page.click("button[value=run]")
    page.wait_for_url("**/operations/*/")
    page.wait_for_selector("#operation-live[data-final='1']", timeout=MAX_WAIT_MS)
    assert page.inner_text("#operation-live [data-field=status]") == "Completed"
    assert page.get_attribute("[role=progressbar]", "aria-valuenow") == "100"
    return BulkOperation.objects.get(operation_type=operation_type, undo_of=None)


def test_import_score_message_read_results_and_undo(tmp_path, location, browser_page):
    page = browser_page
    manager = factories.make_user("journey-manager", location=location, role=Role.MANAGER, password="pw-browser")
    old = factories.make_lead(location, first_name="Old", last_name="Friend", email="old@example.com", score=40)
    csv_file = tmp_path / "prospectos.csv"
    csv_file.write_bytes(CSV)
    sms_file = tmp_path / "sms.jsonl"
    env = {"SMS_BACKEND": "leads.messaging.FileSMSBackend", "SMS_FILE_PATH": str(sms_file), "BULK_CHUNK_SIZE": "10"}
    with (
        sqlite_file_database(tmp_path),
        running_workers(1, env=env, log_dir=tmp_path) as pool,
        web_server(tmp_path, cluster_name=pool.cluster_name) as base,
    ):
        log_in(page, base, manager)

        # 1. Import: upload, the guessed mapping, the preview of every row, start, the live page.
        page.goto(base + reverse("leads:list"))
        page.click(f"a[href='{reverse('leads:import')}']")
        page.wait_for_url("**/leads/import/")
        page.wait_for_load_state()
        drop_file(page, "#dropzone", csv_file)
        page.locator("#file-name").filter(has_text="prospectos.csv").wait_for()
        shoot(page, "01-upload")
        page.click("button:has-text('Upload and map columns')")
        page.wait_for_url("**/leads/import/*/")
        for column, field in (("map-0", "first_name"), ("map-1", "last_name"), ("map-2", "email"), ("map-3", "phone")):
            assert page.input_value(f"#{column}") == field, column
        preview = page.locator("#import-preview")
        text = " ".join(preview.inner_text().split())
        shoot(page, "02-review")
        assert "2 would be created" in text, text
        assert "1 would be skipped" in text and "Already a lead: Old Friend" in text, text
        assert "1 rejected" in text and "no-es-un-correo" in text, text
        assert "José Núñez" in text, text
        assert not Lead.objects.filter(email="jose@example.com").exists()  # nothing written before the start
        page.click("button:has-text('Start the import')")
        page.wait_for_url("**/operations/*/")
        page.wait_for_selector("#operation-live[data-final='1']", timeout=MAX_WAIT_MS)
        shoot(page, "03-import-done")
        assert page.inner_text("#operation-live [data-field=status]") == "Completed"
        imported = list(Lead.objects.filter(location=location, email__in=["jose@example.com", "maria@example.com"]))
        assert sorted((lead.first_name, lead.last_name) for lead in imported) == [("José", "Núñez"), ("María", "Peña")]
        assert {lead.score for lead in imported} == {None}
        assert Lead.objects.filter(location=location).count() == 3, pool.output()  # the duplicate was skipped
        jose = next(lead for lead in imported if lead.first_name == "José")
        assert jose.phone == "+12025550143"

        # 2. Score the imported leads.
        select_leads(page, base, imported, "score")
        shoot(page, "04-score-builder")
        score = run_and_watch(page, "score")
        shoot(page, "05-score-done")
        assert (score.successful, score.failed) == (2, 0), pool.output()
        scored = {lead.pk: lead.score for lead in Lead.objects.filter(pk__in=[lead.pk for lead in imported])}
        assert None not in scored.values()
        score_url = page.url

        # 3. An SMS: the count follows the typing, the preview says it too, then it is sent.
        select_leads(page, base, imported, "message")
        page.select_option("select[name=params-channel]", "sms")
        count = page.locator("[data-sms-count]")
        page.fill("textarea[name=params-body]", "Hola {first_name}")
        count.filter(has_text="GSM-7, 1 segment").wait_for()
        page.fill("textarea[name=params-body]", LONG_SMS)
        count.filter(has_text="GSM-7, 2 segments").wait_for()
        shoot(page, "06-sms-two-segments")
        page.fill("textarea[name=params-body]", FINAL_SMS)
        count.filter(has_text="UCS-2, 1 segment").wait_for()
        page.click("text=Preview (dry run)")
        page.wait_for_selector("#builder-preview table")
        shoot(page, "07-sms-preview")
        shown = " ".join(page.inner_text("#builder-preview").split())
        assert "UCS-2" in shown and "segment" in shown, shown
        assert "Hola José, ¿le llamamos mañana?" in shown, shown
        message_op = run_and_watch(page, "message")
        shoot(page, "08-sms-done")
        assert (message_op.successful, message_op.failed) == (2, 0), pool.output()
        sent = {m.lead_id: m for m in Message.objects.filter(operation=message_op)}
        assert set(sent) == {lead.pk for lead in imported}
        assert sent[jose.pk].to == "+12025550143"
        assert sent[jose.pk].body == "Hola José, ¿le llamamos mañana? Nuevas casas 🏡"
        page.click("#operation-items a:has-text('Succeeded')")
        message_row = page.locator("#operation-items tbody tr", has_text="José Núñez")
        message_row.wait_for()
        shoot(page, "08b-sms-results")
        assert "Hola José, ¿le llamamos mañana?" in message_row.inner_text()
        outbox = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
        assert sorted(line["lead_id"] for line in outbox) == sorted(sent), pool.output()

        # 4. The scoring's per-record results, by name, with before → after.
        page.goto(score_url)
        page.click("#operation-items a:has-text('Succeeded')")
        rows = page.locator("#operation-items tbody tr")
        jose_row = rows.filter(has_text="José Núñez")
        jose_row.wait_for()
        shoot(page, "09-score-results")
        assert rows.count() == 2
        assert "→" in jose_row.inner_text() and str(scored[jose.pk]) in jose_row.inner_text()
        assert jose_row.locator(f"a[href='{reverse('leads:detail', args=[jose.pk])}']").count() == 1

        # 5. Undo the scoring from its page, confirming in the modal.
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#operation-live a:has-text('Undo')")
        page.wait_for_url(lambda url: url != score_url and "/operations/" in url)
        page.wait_for_selector("#operation-live[data-final='1']", timeout=MAX_WAIT_MS)
        shoot(page, "10-undo-done")
        assert page.locator("h1").inner_text().startswith("Undo of")
        undo = BulkOperation.objects.get(undo_of=score)
        assert (undo.successful, undo.failed) == (2, 0), pool.output()
        assert set(Lead.objects.filter(pk__in=scored).values_list("score", flat=True)) == {None}
        assert Lead.objects.get(pk=old.pk).score == 40
        assert undo.items.filter(status=ItemStatus.SUCCEEDED).count() == 2
        page.goto(score_url)
        page.locator("[data-undone-by]").wait_for()
        shoot(page, "11-original-undone")
        assert "Undone by" in page.inner_text("[data-undone-by]")
