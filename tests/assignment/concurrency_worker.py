"""Worker processes for the concurrency tests: each sets Django up on the test database and assigns.

Started with multiprocessing's "spawn" context, so every worker is a fresh interpreter with its
own database connection, as separate web and qcluster processes would be.
"""

import os
import random
import traceback


def setup(database_url: str, env: dict | None = None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.update(env or {})
    import django

    django.setup()


def run_rounds(database_url: str, role: str, rounds: list[dict], barrier, results) -> None:
    """Play `role` in every round; all workers start each round together (the barrier)."""
    try:
        refused, errors = _play(database_url, role, rounds, barrier)
    except BaseException:
        barrier.abort()  # release the others instead of leaving them at the barrier
        refused, errors = 0, [traceback.format_exc()]
    results.put((role, refused, errors))


def _play(database_url: str, role: str, rounds: list[dict], barrier) -> tuple[int, list[str]]:
    setup(database_url, {"BULK_CHUNK_SIZE": "7", "BULK_MAX_ACTIVE_PER_USER": "1000"})
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.models import Location
    from leads.assignment import AssignmentError, assign_lead, bulk_assign, reassign_lead
    from leads.models import Lead
    from operations import engine

    refused, errors = 0, []
    rng = random.Random(f"{role}-{os.getpid()}")
    for spec in rounds:
        barrier.wait(timeout=120)
        location = Location.objects.get(pk=spec["location"])
        user = get_user_model().objects.get(pk=spec["user"])
        # Each assigner has its own leads (contending for the same agents, not the same leads);
        # the reassigner moves any of them.
        agents = spec["agents"]
        leads = spec["leads"] if role == "reassign" else spec["shares"].get(role, [])
        try:
            if role == "round_robin":
                outcomes = bulk_assign(lead_ids=leads, location=location, user=user, strategy="round_robin")
                refused += sum(o.status == "failed" for o in outcomes.values())
            elif role == "capacity_based":
                outcomes = bulk_assign(
                    lead_ids=leads[::-1],
                    location=location,
                    user=user,
                    strategy="capacity_based",
                    include_assigned=True,
                    reason="rebalance",
                )
                refused += sum(o.status == "failed" for o in outcomes.values())
            elif role == "operation":
                operation, _ = engine.create_operation(
                    user=user,
                    location=location,
                    target="leads",
                    operation_type="assign",
                    params={"strategy": "performance_based", "include_assigned": True},
                    ids=leads,
                )
                engine.run_operation(operation.pk, slice_seconds=120)
                operation.refresh_from_db()
                refused += operation.failed
            elif role == "tickets":
                for agent_id in agents:
                    operation, _ = engine.create_operation(
                        user=user,
                        location=location,
                        target="tickets",
                        operation_type="assign",
                        params={"agent_id": agent_id},
                        ids=rng.sample(spec["tickets"], 4),
                    )
                    engine.run_operation(operation.pk, slice_seconds=120)
                    operation.refresh_from_db()
                    refused += operation.failed
            elif role in ("single", "reassign"):
                for lead_id in rng.sample(leads, len(leads)):
                    try:
                        if role == "single":
                            assign_lead(lead=Lead(pk=lead_id), agent_id=rng.choice(agents), user=user)
                        else:
                            reassign_lead(
                                lead=Lead(pk=lead_id), agent_id=rng.choice(agents), reason="stress", user=user
                            )
                    except AssignmentError as exc:
                        refused += exc.code == "full"
        except Exception:
            errors.append(traceback.format_exc())
    connection.close()
    return refused, errors


def run_operation_share(database_url: str, spec: dict, lead_ids: list[int], barrier, results) -> None:
    """Create one round-robin assign operation over `lead_ids` and run it, in step with the others."""
    setup(database_url, {"BULK_CHUNK_SIZE": "25", "BULK_MAX_ACTIVE_PER_USER": "1000"})
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.models import Location
    from operations import engine

    errors = []
    try:
        operation, _ = engine.create_operation(
            user=get_user_model().objects.get(pk=spec["user"]),
            location=Location.objects.get(pk=spec["location"]),
            target="leads",
            operation_type="assign",
            params={"strategy": "round_robin"},
            ids=lead_ids,
        )
        barrier.wait(timeout=120)
        engine.run_operation(operation.pk, slice_seconds=300)
    except Exception:
        errors.append(traceback.format_exc())
    connection.close()
    results.put(("share", 0, errors))
