"""python manage.py seed_demo [--leads N] [--tickets N] [--agents N] [--password P]"""

import time

from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create or top up the demo data: 'Demo Realty' (admin, manager, agents, tags, leads, tickets) and "
        "'Other Co' (outsider). Idempotent: a second run adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=500, help="Leads in Demo Realty (default 500)")
        parser.add_argument("--tickets", type=int, default=300, help="Tickets in Demo Realty (default 300)")
        parser.add_argument("--agents", type=int, default=8, help="Agents agent1..agentN (default 8)")
        parser.add_argument("--password", default="demo12345", help="Password of every demo user")

    def handle(self, *args, leads, tickets, agents, password, **options):
        if min(leads, tickets, agents) < 0:
            raise CommandError("Counts must be zero or more.")
        if not password:
            raise CommandError("The password may not be empty.")
        started = time.monotonic()
        report = seed_demo(leads=leads, tickets=tickets, agents=agents, password=password, log=self.stdout.write)
        elapsed = time.monotonic() - started
        timings = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.seconds.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.leads_created:,} leads, {report.tickets_created:,} tickets and "
                f"{report.comments_created:,} comments in {elapsed:.1f}s ({timings})."
            )
        )
        self.stdout.write(f"Logins (password: {password}):")
        self.stdout.write("  admin      superuser, admin of Demo Realty")
        self.stdout.write("  manager    manager of Demo Realty (staff)")
        if agents:
            self.stdout.write(f"  agent1..agent{agents}  agents of Demo Realty")
        self.stdout.write("  outsider   admin of Other Co (sees none of Demo Realty)")
