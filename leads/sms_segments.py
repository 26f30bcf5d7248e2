"""How many SMS segments a text takes: GSM-7 when every character is in the GSM 03.38 alphabet, else UCS-2.

GSM-7: 160 characters in one segment, 153 per segment once split; the extension table's
characters (^ { } \\ [ ~ ] | € and form feed) take two. UCS-2: 70 in one, 67 per segment,
counted in UTF-16 code units, so an emoji takes two. A character pair is never split
across two segments, as carriers do not split them either.
"""

from dataclasses import dataclass

from leads import conf

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # as the person reads them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the room each segment has at this length (160/153 or 70/67)

    def describe(self) -> str:
        return (
            f"{self.characters} character{'s' if self.characters != 1 else ''}, {self.encoding}, "
            f"{self.segments} segment{'s' if self.segments != 1 else ''}"
        )


def _unit_sizes(text: str) -> tuple[str, list[int]]:
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        return "GSM-7", [2 if char in GSM7_EXTENSION else 1 for char in text]
    return "UCS-2", [2 if ord(char) > 0xFFFF else 1 for char in text]


def count(text: str) -> SegmentCount:
    encoding, sizes = _unit_sizes(text or "")
    single, multi = LIMITS[encoding]
    units = sum(sizes)
    if units <= single:
        return SegmentCount(encoding, len(sizes), units, 1 if units else 0, single)
    segments, room = 1, multi
    for size in sizes:
        if size > room:
            segments, room = segments + 1, multi
        room -= size
    return SegmentCount(encoding, len(sizes), units, segments, multi)


def max_segments() -> int:
    return conf.sms_max_segments()


def over_limit(text: str) -> str:
    """How this SMS is over SMS_MAX_SEGMENTS ("…, 3 segments; at most 2 segments allowed"), or ''."""
    counted, limit = count(text), max_segments()
    if counted.segments <= limit:
        return ""
    return f"{counted.describe()}; at most {limit} segment{'s' if limit != 1 else ''} allowed"
