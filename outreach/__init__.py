"""Rules for reaching people by phone that campaigns (calls) and leads (SMS) share.

- `hours`: the time zones a number rings in and the callee-local contact window.
- `twilio_webhooks`: PUBLIC_BASE_URL and the check of Twilio's X-Twilio-Signature.

Domain-free: no models, no app imports; feature apps import it, never the other way.
"""
