"""Reusable scope tests: an insider sees the object, an outsider gets 404 — on every face.

Use it for every scoped model::

    def test_employer_scope(client, scope_case):
        check_scope(
            client,
            ScopeCase(
                obj=employer, insider=district_admin, outsider=other_district_admin,
                console_list="console:orgs_employer_changelist",
                console_detail="console:orgs_employer_change",
                api_list="/api/v1/employers/", api_detail=f"/api/v1/employers/{employer.pk}",
                label=employer.name,
            ),
        )
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass
class ScopeCase:
    obj: object
    insider: object
    outsider: object
    label: str
    console_list: str | None = None
    console_detail: str | None = None
    api_list: str | None = None
    api_detail: str | None = None
    console_export: str | None = None
    queryset_action: str = "view"


def _ids_in_api_list(response) -> set:
    body = response.json()
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    return {item["id"] for item in items}


def check_scope(client, case: ScopeCase) -> None:
    model = type(case.obj)
    # 1. the queryset layer
    assert (
        model.objects.restrict(case.insider, case.queryset_action).filter(pk=case.obj.pk).exists()
    ), "insider must see the object through restrict()"
    assert (
        not model.objects.restrict(case.outsider, case.queryset_action)
        .filter(pk=case.obj.pk)
        .exists()
    ), "outsider must not see the object through restrict()"

    for user, inside in ((case.insider, True), (case.outsider, False)):
        client.force_login(user)
        if case.console_list:
            url = reverse(case.console_list) + f"?q={case.label}"
            response = client.get(url)
            assert response.status_code == 200
            # The search box echoes the label; look for the link to the object instead.
            marker = case.label
            if case.console_detail:
                marker = reverse(case.console_detail, args=[case.obj.pk])
            shown = marker in response.content.decode()
            assert shown is inside, f"console list for {user}: expected shown={inside}"
        if case.console_detail:
            response = client.get(reverse(case.console_detail, args=[case.obj.pk]))
            assert response.status_code == (200 if inside else 404), (
                f"console detail for {user}: {response.status_code}"
            )
        if case.console_export:
            response = client.get(reverse(case.console_export))
            assert response.status_code == 200
            exported = b"".join(
                response.streaming_content if response.streaming else [response.content]
            ).decode("utf-8-sig")
            assert (case.label in exported) is inside, f"export for {user}"
        if case.api_list:
            response = client.get(case.api_list, {"limit": 200, "q": case.label})
            assert response.status_code == 200
            assert (case.obj.pk in _ids_in_api_list(response)) is inside
        if case.api_detail:
            response = client.get(case.api_detail)
            assert response.status_code == (200 if inside else 404), (
                f"api detail for {user}: {response.status_code}"
            )
            if not inside:
                assert response.json()["error"]["code"] == "not_found"
        client.logout()
