"""Demo data: `python manage.py seed_demo` fills two locations with agents, leads and tickets.

It writes the records of every app, so it sits beside config at the top of the layers.
"""
