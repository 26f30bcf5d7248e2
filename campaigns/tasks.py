"""django-q2 tasks: one-line wrappers."""

from campaigns import loops


def run_dialer(campaign_id: int, slot: int = 0, holder: str = "") -> str:
    return loops.run_dialer_loop(campaign_id=campaign_id, slot=slot, holder=holder)


def tick() -> dict:
    return loops.tick()
