"""Benchmark: a lead import on the engine against bare phonenumbers parsing and django-import-export.

Builds a messy CSV (default 100,000 rows), then times, on the configured database:
1. bare phonenumbers parse + validate of the file's phone column (the floor);
2. the lead import: read, parse, stage the rows, run the lead_import operation to the end
   (leads created with their tags), as POST /api/v1/leads/imports and a worker do it;
3. django-import-export (requirements-dev.txt) importing the same rows into Lead with the same
   validation (E.164 phone, email, duplicates skipped), in bulk mode.
Everything written is rolled back.
"""

import csv
import io
import random
import tempfile
import time
from pathlib import Path

import phonenumbers
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Location, Membership, Role
from leads import importing
from leads.models import Lead
from operations import engine
from spreadsheets.reading import normalize_email, normalize_number

AREA_CODES = ["201", "202", "212", "213", "305", "312", "415", "503", "617", "702", "713", "808", "917"]
FORMATS = ["({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}.{b}.{c}", "+1{a}{b}{c}"]
STAGES = ["new", "Contacted", "qualified", "", "", ""]
TAGS = ["", "", "vip", "buyer,spring", "investor"]


class Rollback(Exception):
    pass


def write_sample_csv(path: Path, rows: int, seed: int = 11) -> None:
    """Mixed phone formats, ~1% duplicate rows, ~0.5% bad phones, ~0.3% bad emails."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Mobile Phone", "Stage", "Tags", "Budget"])
        for i in range(rows):
            roll = rng.random()
            a, b, c = rng.choice(AREA_CODES), f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
            phone = rng.choice(FORMATS).format(a=a, b=b, c=c)
            email = f"person{i}@example.com"
            if roll < 0.005:
                phone = rng.choice(["n/a", "12345", "call me"])
            elif roll < 0.008:
                email = f"person{i}.example.com"
            elif roll < 0.018 and i:
                email = f"person{rng.randrange(i)}@example.com"
            budget = "" if i % 4 else f"{rng.randint(100, 900)},000"
            writer.writerow([f"First{i}", f"Last{i}", email, phone, rng.choice(STAGES), rng.choice(TAGS), budget])


class Command(BaseCommand):
    help = (
        "Time a lead import (default: a generated 100,000-row CSV) on the bulk engine, against bare "
        "phonenumbers parse+validate of the same numbers and against django-import-export importing the "
        "same rows into Lead. Database writes are rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--skip-import-export", action="store_true")

    def handle(self, *args, **options):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "leads.csv"
            write_sample_csv(path, options["rows"])
            data = path.read_bytes()
            self.stdout.write(f"File: {len(data) / 1e6:.1f} MB, {options['rows']:,} rows; database: {self._vendor()}")
            self.bare_phonenumbers(data[:100_000])  # warm-up: phonenumbers loads its metadata lazily
            bare = self.measure(lambda: self.bare_phonenumbers(data))
            self.report("bare phonenumbers parse+validate", bare)
            ours = self.measure(lambda: self.lead_import(data))
            self.report("lead import (parse, stage, run the operation)", ours)
            self.ratio("lead import / bare phonenumbers", ours, bare, "goal: within 2x")
            if not options["skip_import_export"]:
                other = self.measure(lambda: self.import_export(data))
                self.report("django-import-export (bulk, same validation)", other)
                self.ratio("django-import-export / lead import", other, ours, "goal: at least 3x")

    def _vendor(self) -> str:
        from django.db import connection

        return connection.vendor

    def measure(self, work) -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        count = work()
        return time.perf_counter() - wall, time.process_time() - cpu, count

    def report(self, label: str, measured) -> None:
        wall, cpu, rows = measured
        self.stdout.write(
            f"{label:<48} {wall:7.2f} s wall {cpu:7.2f} s cpu {rows:>8,} rows {rows / wall if wall else 0:>9,.0f}/s"
        )

    def ratio(self, label: str, measured, baseline, note: str) -> None:
        self.stdout.write(f"  {label}: {measured[0] / baseline[0]:.2f}x wall ({note})")

    def bare_phonenumbers(self, data: bytes) -> int:
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        next(reader)
        valid = 0
        for row in reader:
            try:  # noqa: SIM105 - the floor being measured: no context-manager overhead per row
                valid += phonenumbers.is_valid_number(phonenumbers.parse(row[3], "US"))
            except (phonenumbers.NumberParseException, IndexError):
                pass
        return valid

    def _context(self):
        location = Location.objects.create(name="bench-lead-import", slug="bench-lead-import")
        user = get_user_model().objects.create_user(username="bench-lead-import")
        Membership.objects.create(user=user, location=location, role=Role.MANAGER)
        return location, user

    def lead_import(self, data: bytes) -> int:
        try:
            with transaction.atomic():
                location, user = self._context()
                lead_import = importing.create_import(
                    user=user, location=location, data=data, filename="leads.csv", options={}, dry_run=False
                )
                engine.run_operation(lead_import.operation_id, slice_seconds=float("inf"))
                lead_import.refresh_from_db()
                created = Lead.objects.filter(location=location).count()
                self.stdout.write(
                    f"    import: {lead_import.current_status}, {created:,} leads created, "
                    f"{lead_import.skipped:,} skipped, {lead_import.failed:,} rejected"
                )
                raise Rollback
        except Rollback:
            pass
        return created

    def import_export(self, data: bytes) -> int:
        import tablib
        from import_export import fields, resources

        class LeadResource(resources.ModelResource):
            first_name = fields.Field(attribute="first_name", column_name="First Name")
            last_name = fields.Field(attribute="last_name", column_name="Last Name")
            email = fields.Field(attribute="email", column_name="Email")
            phone = fields.Field(attribute="phone", column_name="Mobile Phone")

            class Meta:
                model = Lead
                fields = ("first_name", "last_name", "email", "phone", "location")
                import_id_fields = ()
                use_bulk = True
                batch_size = 2000
                skip_diff = True

            def __init__(self, location):
                super().__init__()
                self.location = location
                self.seen = set(Lead.objects.filter(location=location).values_list("email", flat=True))

            def before_import_row(self, row, **kwargs):
                # The same validation as the lead import; a ValidationError marks the row invalid.
                try:
                    row["Mobile Phone"] = normalize_number(str(row["Mobile Phone"]), "US")
                    row["Email"] = normalize_email(str(row["Email"]))
                except ValueError as exc:
                    raise ValidationError(str(exc)) from exc
                if row["Email"].lower() in self.seen:
                    raise ValidationError("duplicate")
                self.seen.add(row["Email"].lower())

            def get_instance(self, instance_loader, row):
                return None  # duplicates were refused above

            def import_instance(self, instance, row, **kwargs):
                super().import_instance(instance, row, **kwargs)
                instance.location = self.location

        try:
            with transaction.atomic():
                location, _user = self._context()
                dataset = tablib.Dataset().load(data.decode("utf-8"), format="csv")
                result = LeadResource(location).import_data(dataset, dry_run=False, collect_failed_rows=True)
                imported = Lead.objects.filter(location=location).count()
                refused = len(result.invalid_rows) + len(result.row_errors())
                self.stdout.write(f"    django-import-export: {imported:,} leads created, {refused:,} rows refused")
                raise Rollback
        except Rollback:
            pass
        return imported
