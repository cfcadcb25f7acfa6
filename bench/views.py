"""The R and N views of B5 (bench only, served through bench/urls.py)."""

from __future__ import annotations

import json

from django import forms
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gonghui.members.models import JoinRequest, Membership
from gonghui.platform.pii import crypto
from gonghui.platform.pii.fields import index_for
from gonghui.platform.validators.idcard import validate_id_number

_M, _P, _O = "members_membership", "members_person", "orgs_org"


def member_raw(request, pk: int):
    """R: the same lookup with a raw cursor on a persistent connection."""
    with connections["persistent"].cursor() as cursor:
        cursor.execute(
            f"SELECT m.id, m.card_no, p.name, p.id_number, p.phone, m.org_id, o.name,"
            f" m.employer_name, m.employment_form, m.is_migrant, m.state, m.joined_on"
            f" FROM {_M} m JOIN {_P} p ON p.id = m.person_id JOIN {_O} o ON o.id = m.org_id"
            f" WHERE m.id = %s",
            [pk],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"detail": "not found"}, status=404)
    keys = (
        "id",
        "card_no",
        "name",
        "id_number",
        "phone",
        "org_id",
        "org_name",
        "employer_name",
        "employment_form",
        "is_migrant",
        "state",
        "joined_on",
    )
    data = dict(zip(keys, row, strict=True))
    data["id_number"] = crypto.decrypt(data["id_number"])[:6] + "********"
    data["joined_on"] = str(data["joined_on"])
    return JsonResponse(data)


def member_orm_fresh(request, pk: int):
    """N: ORM ``.get()`` on an alias with CONN_MAX_AGE=0 (a new connection per request)."""
    m = Membership.objects.using("fresh").select_related("person", "org").get(pk=pk)
    return JsonResponse(
        {
            "id": m.pk,
            "name": m.person.name,
            "id_number": m.person.id_number[:6] + "********",
            "org_name": m.org.name,
            "state": m.state,
            "joined_on": str(m.joined_on),
        }
    )


@csrf_exempt
def join_raw(request):
    """R: checksum + encryption + ``INSERT … ON CONFLICT DO NOTHING`` (persistent connection)."""
    body = json.loads(request.body)
    try:
        validate_id_number(body["id_number"])
    except Exception:
        return JsonResponse({"detail": "invalid id"}, status=400)
    now = timezone.now()
    with connections["persistent"].cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_joinrequest (org_id, name, id_number, id_index, phone,"
            " phone_index, employer_name, employment_form, is_migrant, residence_region, extra,"
            " state, reason, identity_proof, identity_note, submitted_at) VALUES (%s, %s, %s,"
            " %s, %s, %s, %s, %s, %s, '', '{}', 'pending', '', '', '', %s)"
            " ON CONFLICT (id_index, phone_index) WHERE state = 'pending' DO NOTHING"
            " RETURNING id",
            [
                body["org_id"],
                body["name"],
                crypto.encrypt(body["id_number"]),
                index_for("id_number", body["id_number"]),
                crypto.encrypt(body["phone"]),
                index_for("phone", body["phone"]),
                body["employer_name"],
                body["employment_form"],
                bool(body.get("is_migrant")),
                now,
            ],
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None}, status=201 if row else 200)


class JoinForm(forms.ModelForm):
    class Meta:
        model = JoinRequest
        fields = ["org", "name", "id_number", "phone", "employer_name", "employment_form"]


@csrf_exempt
def join_modelform(request):
    """N: a plain ModelForm view."""
    form = JoinForm(json.loads(request.body))
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    obj = form.save(commit=False)
    obj.submitted_at = timezone.now()
    obj.save()
    return JsonResponse({"id": obj.pk}, status=201)


def ping(request):
    return HttpResponse("ok")
