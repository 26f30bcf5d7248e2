"""Benchmark: importing a contact CSV against the bare phonenumbers floor and django-import-export.

Needs requirements-dev.txt (django-import-export) for the third figure. Everything written to
the database is rolled back.
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

from accounts.models import Location
from campaigns.importing import parse_contact_file
from campaigns.models import Campaign, CampaignContact
from campaigns.services import create_campaign

AREA_CODES = ["201", "202", "212", "213", "305", "312", "415", "503", "617", "702", "713", "808", "917"]
FORMATS = ["({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}", "{a}.{b}.{c}", "+1{a}{b}{c}"]


class Rollback(Exception):
    pass


def write_sample_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic messy file: mixed formats, a name, extra columns, ~1% duplicates, ~0.5% bad rows."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Mobile Phone", "Company", "Email", "Notes"])
        issued = []
        for i in range(rows):
            roll = rng.random()
            if roll < 0.005:
                phone = rng.choice(["n/a", "12345", "", "call me"])
            elif roll < 0.015 and issued:
                phone = rng.choice(issued)
            else:
                a, b, c = rng.choice(AREA_CODES), f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
                phone = rng.choice(FORMATS).format(a=a, b=b, c=c)
                issued.append(phone)
            writer.writerow([f"Person {i}", phone, f"Company {i % 977}", f"p{i}@example.com", "" if i % 3 else "VIP"])


class Command(BaseCommand):
    help = (
        "Time importing a contact CSV (default: a generated 100,000-row file) with the campaigns importer, "
        "against bare phonenumbers parse+validate of the same file and against django-import-export "
        "importing the same rows into CampaignContact. django-import-export comes from requirements-dev.txt. "
        "Database writes are rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--file", help="an existing CSV instead of a generated one")
        parser.add_argument("--region", default="US")
        parser.add_argument("--skip-import-export", action="store_true")

    def handle(self, *args, **options):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(options["file"]) if options["file"] else Path(tmp) / "contacts.csv"
            if not options["file"]:
                write_sample_csv(path, options["rows"])
            data = path.read_bytes()
            region = options["region"].upper()
            lines = data.count(b"\n") - 1
            self.stdout.write(f"File: {path.name}, {len(data) / 1e6:.1f} MB, {lines:,} rows")
            self.stdout.write("Wall seconds, and this process's CPU seconds (steadier on a shared machine).")
            self.bare_phonenumbers(data[:200_000], region)  # warm-up: phonenumbers loads its metadata lazily

            bare = self.measure(lambda: self.bare_phonenumbers(data, region))
            self.report("bare phonenumbers parse+validate", bare)
            parsed = self.measure(
                lambda: len(parse_contact_file(data, filename=path.name, default_region=region).contacts)
            )
            self.report("campaigns parser (detect, parse, E.164, dedupe)", parsed)
            imported = self.measure(lambda: self.full_import(data, path.name, region))
            self.report("campaigns import (parser + insert)", imported)
            self.ratio("parser / bare", parsed, bare, "target: within 2x")
            self.ratio("import / bare", imported, bare, "target: within 2x")
            if not options["skip_import_export"]:
                other = self.measure(lambda: self.import_export(data, region))
                self.report("django-import-export (bulk, same validation)", other)
                self.ratio("django-import-export / campaigns import", other, imported, "")

    def measure(self, work) -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        count = work()
        return time.perf_counter() - wall, time.process_time() - cpu, count

    def report(self, label: str, measured: tuple[float, float, int]) -> None:
        wall, cpu, rows = measured
        rate = rows / wall if wall else 0
        self.stdout.write(f"{label:<48} {wall:7.2f} s wall {cpu:7.2f} s cpu {rows:>8,} contacts {rate:>8,.0f}/s")

    def ratio(self, label: str, measured, baseline, note: str) -> None:
        wall, cpu = measured[0] / baseline[0], measured[1] / baseline[1]
        self.stdout.write(f"  {label}: {wall:.2f}x wall, {cpu:.2f}x cpu{f' ({note})' if note else ''}")

    def bare_phonenumbers(self, data: bytes, region: str) -> int:
        reader = csv.reader(io.StringIO(data.decode("utf-8", errors="ignore")))
        next(reader)
        valid = 0
        for row in reader:
            try:  # noqa: SIM105 - the floor being measured: no context-manager overhead per row
                valid += phonenumbers.is_valid_number(phonenumbers.parse(row[1], region))
            except (phonenumbers.NumberParseException, IndexError):
                pass
        return valid

    def _context(self):
        location = Location.objects.create(name="bench-contact-import", slug="bench-contact-import")
        user = get_user_model().objects.create_user(username="bench-contact-import")
        return location, user

    def full_import(self, data: bytes, filename: str, region: str) -> tuple[float, int]:
        try:
            with transaction.atomic():
                location, user = self._context()
                _campaign, result = create_campaign(
                    location=location, user=user, file_bytes=data, filename=filename, default_region=region
                )
                imported = len(result.contacts)
                raise Rollback
        except Rollback:
            pass
        return imported

    def import_export(self, data: bytes, region: str) -> tuple[float, int]:
        import tablib
        from import_export import fields, resources
        from import_export.instance_loaders import ModelInstanceLoader

        class ContactResource(resources.ModelResource):
            phone = fields.Field(attribute="phone", column_name="Mobile Phone")
            name = fields.Field(attribute="name", column_name="Name")

            class Meta:
                model = CampaignContact
                fields = ("phone", "name", "campaign")
                import_id_fields = ()
                use_bulk = True
                batch_size = 2000
                skip_diff = True
                instance_loader_class = ModelInstanceLoader

            def __init__(self, campaign):
                super().__init__()
                self.campaign = campaign
                self.seen = set()

            def before_import_row(self, row, **kwargs):
                # The same validation as the campaigns importer; a ValidationError marks the row invalid
                # (any other exception would roll the whole import back).
                try:
                    number = phonenumbers.parse(str(row["Mobile Phone"]), region)
                except phonenumbers.NumberParseException as exc:
                    raise ValidationError("not a phone number") from exc
                if not phonenumbers.is_valid_number(number):
                    raise ValidationError("not a valid phone number")
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                if e164 in self.seen:
                    raise ValidationError("duplicate")
                self.seen.add(e164)
                row["Mobile Phone"] = e164

            def get_instance(self, instance_loader, row):
                return None  # every row is new

            def import_instance(self, instance, row, **kwargs):
                super().import_instance(instance, row, **kwargs)
                instance.campaign = self.campaign

        try:
            with transaction.atomic():
                location, user = self._context()
                campaign = Campaign.objects.create(location=location, created_by=user, name="bench")
                dataset = tablib.Dataset().load(data.decode("utf-8"), format="csv")
                result = ContactResource(campaign).import_data(dataset, dry_run=False, collect_failed_rows=True)
                imported = campaign.contacts.count()
                refused = len(result.invalid_rows) + len(result.row_errors())
                self.stdout.write(f"    django-import-export rows refused: {refused:,}")
                raise Rollback
        except Rollback:
            pass
        return imported
