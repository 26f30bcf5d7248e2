"""A transparent, rule-based lead score: five rules, each worth up to its weight in points.

score = the sum of the rules' points (0-100); hot / warm / cold by the location's thresholds.
`explain()` says which rule gave how many points and why, for the lead page.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from leads.models import Classification, Lead, ScoringConfig, Timeline

TIMELINE_SHARE = {
    Timeline.IMMEDIATE: 1.0,
    Timeline.ONE_TO_THREE: 0.75,
    Timeline.THREE_TO_SIX: 0.4,
    Timeline.SIX_PLUS: 0.15,
    Timeline.UNKNOWN: 0.0,
}
# (within so many days of the last contact, share of the engagement points)
RECENCY_STEPS = ((7, 1.0), (30, 0.6), (90, 0.3))
DEFAULT_SOURCE_VALUES = {"referral": 1.0, "website": 0.7, "event": 0.6, "social": 0.5, "ads": 0.4}
OTHER_SOURCE_SHARE = 0.3
PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "budget", "area", "source")


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    points: int
    max_points: int
    detail: str


@dataclass(frozen=True)
class Score:
    score: int
    classification: str
    rules: list[Rule]


def config_for(location) -> ScoringConfig:
    """The location's saved configuration, or the defaults (unsaved) when it has none."""
    return ScoringConfig.objects.filter(location=location).first() or ScoringConfig(location=location)


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def explain(lead: Lead, *, config: ScoringConfig | None = None, context: dict | None = None, now=None) -> Score:
    """Score one lead. `context` (budget, timeline) fills what the lead lacks, before the config's defaults."""
    config = config or config_for(lead.location)
    context = context or {}
    now = now or timezone.now()
    rules = []

    budget, budget_note = lead.budget, ""
    if budget is None:
        budget = _decimal(context.get("budget"))
        budget_note = " (from the operation's context)" if budget is not None else ""
    if budget is None and config.default_budget is not None:
        budget, budget_note = config.default_budget, " (location default)"
    full = config.budget_for_full_points or Decimal(1)
    if budget is None:
        rules.append(Rule("budget", "Budget", 0, config.budget_weight, "No budget known"))
    else:
        share = min(float(budget) / float(full), 1.0) if budget > 0 else 0.0
        rules.append(
            Rule(
                "budget",
                "Budget",
                round(config.budget_weight * share),
                config.budget_weight,
                f"{budget:,.0f}{budget_note} against {full:,.0f} for full points",
            )
        )

    timeline, timeline_note = lead.timeline or Timeline.UNKNOWN, ""
    if timeline == Timeline.UNKNOWN and context.get("timeline") in TIMELINE_SHARE:
        timeline, timeline_note = context["timeline"], " (from the operation's context)"
    if timeline == Timeline.UNKNOWN and config.default_timeline:
        timeline, timeline_note = config.default_timeline, " (location default)"
    rules.append(
        Rule(
            "timeline",
            "Timeline urgency",
            round(config.timeline_weight * TIMELINE_SHARE.get(timeline, 0.0)),
            config.timeline_weight,
            f"{Timeline(timeline).label}{timeline_note}",
        )
    )

    share, detail = 0.0, "Never contacted"
    if lead.last_contacted_at:
        days = (now - lead.last_contacted_at) / timedelta(days=1)
        detail = f"Last contacted {int(days)} days ago"
        share = next((s for limit, s in RECENCY_STEPS if days <= limit), 0.0)
    rules.append(
        Rule(
            "engagement",
            "Engagement recency",
            round(config.engagement_weight * share),
            config.engagement_weight,
            detail,
        )
    )

    filled = [name for name in PROFILE_FIELDS if getattr(lead, name) not in (None, "")]
    rules.append(
        Rule(
            "completeness",
            "Profile completeness",
            round(config.completeness_weight * len(filled) / len(PROFILE_FIELDS)),
            config.completeness_weight,
            f"{len(filled)} of {len(PROFILE_FIELDS)} fields filled",
        )
    )

    values = {**DEFAULT_SOURCE_VALUES, **{k.lower(): float(v) for k, v in (config.source_values or {}).items()}}
    source = (lead.source or "").strip().lower()
    source_share = values.get(source, OTHER_SOURCE_SHARE) if source else 0.0
    rules.append(
        Rule(
            "source",
            "Source",
            round(config.source_weight * source_share),
            config.source_weight,
            f"{lead.source}" if source else "No source",
        )
    )

    score = max(0, min(100, sum(rule.points for rule in rules)))
    if score >= config.hot_threshold:
        classification = Classification.HOT
    elif score >= config.warm_threshold:
        classification = Classification.WARM
    else:
        classification = Classification.COLD
    return Score(score=score, classification=str(classification), rules=rules)
