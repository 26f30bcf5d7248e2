"""The do-not-call list of a company: the one rule of which numbers are never dialled, and its writes.

A number is blocked when it is on the company's list, or when a lead of the company with that
phone is marked do-not-contact: the leads' flag counts as the same list. Contact import and the
dialer both ask ``blocked_numbers``.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from accounts.models import Location
from campaigns.importing import ParseResult, RowError, normalize_number, parse_contact_file
from campaigns.models import CallingSettings, DoNotCallEntry

REASON = "On the do-not-call list"
OUTCOME = "do-not-call"  # a contact's outcome when the list stopped its call


class AlreadyListed(ValueError):
    """The number is on the company's list already."""


def blocked_numbers(*, location_id: int, phones) -> set[str]:
    """Which of ``phones`` (E.164) the company must not call: its list, and its do-not-contact leads."""
    from leads.models import Lead

    phones = set(phones)
    if not phones:
        return set()
    listed = DoNotCallEntry.objects.filter(location_id=location_id, phone__in=phones).values_list("phone", flat=True)
    leads = Lead.objects.filter(location_id=location_id, phone__in=phones, do_not_contact=True)
    return set(listed) | set(leads.values_list("phone", flat=True))


def add_number(*, location: Location, phone: str, reason: str = "", user=None) -> DoNotCallEntry:
    """Put a number on the list; ValueError (a reason) when it is no valid number, AlreadyListed when listed."""
    number = normalize_number(phone, CallingSettings.region_for(location.pk))
    try:
        with transaction.atomic():
            return DoNotCallEntry.objects.create(location=location, phone=number, reason=reason[:500], added_by=user)
    except IntegrityError:
        raise AlreadyListed(f"{number} is on the do-not-call list already.") from None


def remove_number(*, entry: DoNotCallEntry) -> None:
    entry.delete()


@dataclass
class UploadResult:
    added: int = 0
    already: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "value", "message"}


def add_numbers_from_file(
    *, location: Location, file_bytes: bytes, filename: str, reason: str = "", user=None
) -> UploadResult:
    """Put every number of an uploaded file on the list (the contact-file parser reads it).

    Raises ContactFileError for a file that cannot be used; rows without a valid number are errors.
    """
    parsed = parse_contact_file(file_bytes, filename=filename, default_region=CallingSettings.region_for(location.pk))
    result = UploadResult(errors=[error.as_dict() for error in parsed.errors])
    phones = [contact.phone for contact in parsed.contacts]
    existing = set(DoNotCallEntry.objects.filter(location=location, phone__in=phones).values_list("phone", flat=True))
    new = [
        DoNotCallEntry(location=location, phone=phone, reason=reason[:500], added_by=user)
        for phone in phones
        if phone not in existing
    ]
    # A number another request listed in between is a conflict, ignored: it is on the list either way.
    DoNotCallEntry.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    result.added, result.already = len(new), len(existing)
    return result


def skip_blocked(result: ParseResult, *, location_id: int) -> None:
    """Move the parsed contacts the company must not call to the file's row errors, with the reason."""
    blocked = blocked_numbers(location_id=location_id, phones=(c.phone for c in result.contacts))
    if not blocked:
        return
    result.errors.extend(RowError(c.row, c.phone, REASON) for c in result.contacts if c.phone in blocked)
    result.errors.sort(key=lambda error: error.row)
    result.contacts = [c for c in result.contacts if c.phone not in blocked]
