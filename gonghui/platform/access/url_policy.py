"""Every URL route declares who may reach it. The URL walker test fails for a route that
matches none of these, and checks that an anonymous request gets what the policy promises.

Policies:

* ``public``     - anyone; answers without a login (the landing page, health check, logins);
* ``staff``      - the console: anonymous requests are sent to ``/console/login/``;
* ``member``     - the worker portal: anonymous requests are sent to ``/m/login/``;
* ``api``        - the REST API: anonymous requests get ``401 {"error": {"code":
  "unauthenticated"}}``;
* ``api_public`` - the API's own documentation, readable without a token.

The first matching pattern wins, so specific routes come before their prefix. Patterns match
the request path without its leading slash (``console/orgs/org/``).
"""

from __future__ import annotations

import re
from typing import Final, Literal

Policy = Literal["public", "staff", "member", "api", "api_public"]
KNOWN_POLICIES: Final = frozenset({"public", "staff", "member", "api", "api_public"})

POLICIES: Final[list[tuple[re.Pattern[str], Policy]]] = [
    (re.compile(p), policy)
    for p, policy in [
        # Public pages
        (r"^$", "public"),  # landing page
        (r"^healthz$", "public"),  # load balancer health check
        (r"^i18n/", "public"),  # language switch
        (r"^static/", "public"),
        (r"^admin/", "public"),  # a redirect to /console/
        # Short URLs in QR codes, redirects only: a card's (to /console/verify/<token>/, where
        # the console's login comes first) and a join poster's (to /m/join/<signed>/).
        (r"^v/", "public"),
        (r"^j/", "public"),
        # The public notice (公示) of a union's hardship cases and its objection form.
        (r"^gs/", "public"),
        # Staff console
        (r"^console/login/", "public"),
        # POST only; ends whatever session there is, also for a staff account without grants.
        (r"^console/logout/$", "public"),
        (r"^console/", "staff"),
        # Worker portal
        (r"^m/login/", "public"),  # phone + code; the code step bounces back without a phone
        (r"^m/logout/$", "public"),  # POST only; ends whatever session there is
        (r"^m/join/", "public"),  # scanning a union's QR poster: applying needs no account
        (r"^m/", "member"),
        # REST API
        (r"^api/v1/(docs|openapi\.json)$", "api_public"),
        (r"^api/v1/$", "api_public"),  # ninja's root: answers 404, needed to build paths
        (r"^api/v1/public/", "api_public"),  # the public join submission (rate-limited)
        (r"^api/v1/", "api"),
    ]
]


def policy_for(path: str) -> Policy | None:
    """The declared policy of a request path (with or without its leading slash), or None."""
    path = path.removeprefix("/")
    for pattern, policy in POLICIES:
        if pattern.search(path):
            return policy
    return None
