"""Walk every URL route of the project: each one declares its access policy
(gonghui/platform/access/url_policy.py), and an anonymous request gets what it promises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern, URLPattern, URLResolver

from gonghui.platform.access.url_policy import KNOWN_POLICIES, POLICIES, policy_for

pytestmark = pytest.mark.django_db

LOGIN_URLS = {"staff": "/console/login/", "member": "/m/login/"}

_SAMPLES = {
    "int": "999999",
    "str": "x",
    "slug": "x",
    "path": "x/y",
    "uuid": "0b9e4b4c-3f8a-4c52-9d5e-0a1b2c3d4e5f",
}
_CONVERTER = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>[^>]+)>")


def _route_sample(route: str) -> str:
    def sub(match):
        kind = match.group("kind") or "str"
        return _SAMPLES.get(kind, "x")

    return _CONVERTER.sub(sub, route)


def _group_end(text: str, start: int) -> int:
    """Index just past the parenthesised group opening at ``text[start]``."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group in {text!r}")


def _regex_sample(regex: str) -> str:
    """A path matching an admin-style regex: literal alternatives take the first one,
    anything else becomes ``x``."""
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    out = []
    i = 0
    while i < len(regex):
        char = regex[i]
        if char == "(":
            end = _group_end(regex, i)
            body = regex[i + 1 : end - 1]
            body = re.sub(r"^\?P<\w+>|^\?:", "", body)
            first = body.split("|")[0]
            out.append(first.replace("\\", "") if re.fullmatch(r"[\w\-./\\]+", first) else "x")
            i = end
        elif char == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        elif char in "^$?*+":
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _segment_sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_sample(str(pattern))
    if isinstance(pattern, RegexPattern):
        return _regex_sample(pattern.regex.pattern)
    raise TypeError(f"unknown pattern type {type(pattern).__name__}")


@dataclass(frozen=True)
class Route:
    template: str  # the pattern as written, for messages
    sample: str  # a concrete path without the leading slash

    @property
    def url(self) -> str:
        return "/" + self.sample


def walk(patterns=None, template: str = "", sample: str = ""):
    """Every URLPattern below ``patterns``, through resolvers (admin, ninja, includes)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        t = template + str(entry.pattern)
        s = sample + _segment_sample(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, t, s)
        elif isinstance(entry, URLPattern):
            yield Route(t, s)


def all_routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in walk():
        seen.setdefault(route.sample, route)
    return list(seen.values())


ROUTES = all_routes()


# --- the declaration -------------------------------------------------------------------------


def test_walker_finds_the_known_faces():
    samples = {r.sample for r in ROUTES}
    for expected in (
        "",
        "healthz",
        "console/",
        "console/login/",
        "console/orgs/org/",
        "console/orgs/org/tree/999999/children/",
        "console/audit/auditevent/",
        "m/",
        "m/login/",
        "api/v1/orgs/",
        "api/v1/orgs/999999",
        "api/v1/openapi.json",
    ):
        assert expected in samples, expected


def test_every_route_declares_a_policy():
    missing = sorted(r.template for r in ROUTES if policy_for(r.sample) is None)
    assert not missing, "routes without an access policy in url_policy.POLICIES:\n" + "\n".join(
        missing
    )


def test_policies_are_known_names():
    assert {policy for _, policy in POLICIES} <= KNOWN_POLICIES


def test_samples_resolve():
    unresolved = []
    for route in ROUTES:
        try:
            resolve(route.url)
        except Resolver404:
            unresolved.append(f"{route.template} -> {route.url}")
    assert not unresolved, "\n".join(unresolved)


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("", "public"),
        ("/healthz", "public"),
        ("/i18n/setlang/", "public"),
        ("/console/login/", "public"),
        ("/console/", "staff"),
        ("/console/orgs/org/1/change/", "staff"),
        ("/console/pii/reveal/", "staff"),
        ("/m/login/verify/", "public"),
        ("/m/", "member"),
        ("/api/v1/docs", "api_public"),
        ("/api/v1/openapi.json", "api_public"),
        ("/api/v1/orgs/1", "api"),
        ("/api/v1/docsx", "api"),
        ("/elsewhere/", None),
    ],
)
def test_policy_for(path, policy):
    assert policy_for(path) == policy


# --- what an anonymous visitor gets ----------------------------------------------------------


def _location_path(response) -> str:
    return urlsplit(response["Location"]).path


def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302) and any(
        _location_path(response).startswith(login) for login in LOGIN_URLS.values()
    )


def _assert_redirects_to_login(client, route, login_url):
    response = client.get(route.url)
    hops = 0
    # A few routes bounce through their site's index first (the console's logout).
    while (
        response.status_code in (301, 302)
        and not _location_path(response).startswith(login_url)
        and not urlsplit(response["Location"]).netloc
        and hops < 3
    ):
        response = client.get(response["Location"])
        hops += 1
    assert response.status_code == 302, f"{route.template}: {response.status_code}"
    assert _location_path(response).startswith(login_url), (
        f"{route.template}: redirected to {response['Location']}"
    )
    return response


def _assert_api_unauthenticated(response, route, method):
    assert response.status_code == 401, f"{method} {route.template}: {response.status_code}"
    assert response.json()["error"]["code"] == "unauthenticated", route.template


@pytest.mark.parametrize("route", ROUTES, ids=[r.template or "(root)" for r in ROUTES])
def test_anonymous_request_gets_what_the_policy_promises(client, route):
    policy = policy_for(route.sample)
    assert policy is not None, f"{route.template} has no access policy"

    if policy in ("staff", "member"):
        response = _assert_redirects_to_login(client, route, LOGIN_URLS[policy])
    elif policy == "api":
        response = client.get(route.url)
        if response.status_code == 405:
            # Write-only endpoints: check an unsafe method instead.
            for method in ("post", "patch", "put", "delete"):
                response = getattr(client, method)(route.url, "{}", content_type="application/json")
                assert response.status_code in (401, 405), f"{method} {route.template}"
                if response.status_code == 401:
                    _assert_api_unauthenticated(response, route, method)
                    break
        else:
            _assert_api_unauthenticated(response, route, "GET")
    else:  # public, api_public
        response = client.get(route.url)
        assert response.status_code < 500, f"{route.template}: {response.status_code}"
        if _is_login_redirect(response):
            # Only a later step of a login flow may send you back to its first step.
            login = next(u for u in LOGIN_URLS.values() if _location_path(response).startswith(u))
            assert route.url.startswith(login), (
                f"public route {route.template} redirects to the login page"
            )
    assert response.status_code != 500


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if policy_for(r.sample) in ("api", "staff")],
    ids=[r.template for r in ROUTES if policy_for(r.sample) in ("api", "staff")],
)
def test_members_get_nothing_from_staff_and_api_routes(client, route):
    from gonghui.platform.testing.factories import MemberFactory

    client.force_login(MemberFactory())
    response = client.get(route.url)
    assert response.status_code != 500
    if policy_for(route.sample) == "staff":
        assert response.status_code in (302, 403, 404, 405), route.template
        if response.status_code == 302:
            assert not urlsplit(response["Location"]).netloc
    elif response.status_code == 200 and route.sample != "api/v1/me":
        # A member's session authenticates, but members hold no grants: lists are empty.
        body = response.json()
        items = body["items"] if isinstance(body, dict) and "items" in body else body
        assert items == [], f"{route.template}: a member sees {body}"
    else:
        assert response.status_code in (200, 401, 403, 404, 405), route.template
