"""The client's address, as the deployment's trusted proxies report it: the one place the code reads it.

`X-Forwarded-For` is written by whoever sends the request. Only the entries appended by our own proxies can be
believed, so with `PRM_TRUSTED_PROXY_COUNT = N` the client is the Nth address from the right (each trusted proxy
appends the address it received the request from); with 0 (the default: no proxy) it is the socket's address and
the header is ignored. Throttles, the account lockout (django-axes) and logs all key on this.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address the request really came from; never a value a client can choose by sending a header."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PRM_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Fewer entries than proxies: the request did not come through all of them, so nothing in the header is
        # ours. The socket's address (the nearest hop) is the only thing that cannot be made up.
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
