"""The starter template library: a few message templates per category that every company gets
(migration 0009 for the companies that existed then, seed_demo for the demo ones). Once added they
are ordinary templates: edited or deleted like any other.
"""

from leads.models import TemplateCategory

# (category, name, subject, body); the first two are seed 000's example templates.
STARTER_TEMPLATES = (
    (
        TemplateCategory.WELCOME,
        "Welcome: options in your budget",
        "Properties around {location}",
        "Hi {first_name},\n\n"
        "Thanks for your interest in properties around {location}!\n"
        "Based on your budget of {budget}, I have some great options to show you.\n\n"
        "When would be a good time to chat?\n\n"
        "Best regards,\n"
        "Your Real Estate Team",
    ),
    (
        TemplateCategory.FOLLOWUP,
        "Weekly Follow-up",
        "Your property search",
        "Hi {first_name}, checking in on your search for properties in {location}!",
    ),
    (
        TemplateCategory.GENERAL,
        "Quick question",
        "A quick question",
        "Hi {first_name}, do you have a minute for a quick question about your move to {location}?",
    ),
    (
        TemplateCategory.REENGAGEMENT,
        "Still looking?",
        "Still looking in {location}?",
        "Hi {first_name}, it has been a while. Are you still looking in {location}? "
        "New listings within {budget} came in this week.",
    ),
    (
        TemplateCategory.APPOINTMENT,
        "Viewing reminder",
        "Your viewing",
        "Hi {first_name}, a reminder of your property viewing in {location}. "
        "Reply to this message if you need another time.",
    ),
)


def add_starter_templates(location, *, model=None) -> int:
    """Add the starter templates a location lacks (by name, any case); return how many were added.

    `model` is the historical MessageTemplate when a migration calls this.
    """
    if model is None:
        from leads.models import MessageTemplate as model
    taken = {name.lower() for name in model.objects.filter(location=location).values_list("name", flat=True)}
    missing = [
        model(location=location, category=category, name=name, subject=subject, body=body)
        for category, name, subject, body in STARTER_TEMPLATES
        if name.lower() not in taken
    ]
    model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
