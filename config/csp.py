"""The Content-Security-Policy header: django-csp's middleware, plus this request's WebSocket origin.

The policy itself is CONTENT_SECURITY_POLICY in config/settings.py. Browsers implementing CSP
level 3 let connect-src 'self' match ws:/wss: on the page's own host and port; older ones (Safari
before 15.4) need the WebSocket origin named, so each response names its own.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        try:
            host = request.get_host()  # validated against ALLOWED_HOSTS: safe to put in a header
        except DisallowedHost:
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), f"{scheme}://{host}"]
        parts.update = update
        return parts
