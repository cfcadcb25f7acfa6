"""Who am I."""

from ninja import Router, Schema

from gonghui.platform.access.scoping import grant_scopes
from gonghui.platform.pii.masking import mask_phone

router = Router(tags=["accounts"])


class ScopeOut(Schema):
    org_id: int
    include_descendants: bool


class MeOut(Schema):
    username: str
    display_name: str
    kind: str
    phone: str
    permissions: list[str]
    scopes: list[ScopeOut]


@router.get("/me", response=MeOut, summary="The calling account, its permissions and scopes")
def me(request):
    user = request.user
    scopes = grant_scopes(user)
    perms = sorted(set().union(*(s.permissions for s in scopes))) if scopes else []
    return {
        "username": user.username,
        "display_name": user.display_name,
        "kind": user.kind,
        "phone": mask_phone(user.phone) if user.phone else "",
        "permissions": perms,
        "scopes": [
            {"org_id": s.org_id, "include_descendants": s.include_descendants} for s in scopes
        ],
    }
