"""The REST API at /api/v1/ (django-ninja); OpenAPI at /api/v1/docs."""

from ninja import NinjaAPI

from gonghui.accounts.api import router as accounts_router
from gonghui.assistance import api as assistance_api
from gonghui.members import api as members_api
from gonghui.members import api_public as members_api_public
from gonghui.orgs.api import employers as employers_router
from gonghui.orgs.api import router as orgs_router
from gonghui.platform.api import errors
from gonghui.platform.api.auth import AUTH
from gonghui.rights import api as rights_api
from gonghui.rights.consult import api as consult_api
from gonghui.rights.legalaid import api as legalaid_api
from gonghui.rights.mediation import api as mediation_api

api = NinjaAPI(
    title="gonghui API",
    version="1",
    description="Scoped REST API of the gonghui union platform. Every list and detail is "
    "limited to the caller's org subtree; objects outside it answer 404.",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", accounts_router)
api.add_router("/orgs/", orgs_router)
api.add_router("/employers/", employers_router)
api.add_router("/members/", members_api.members)
api.add_router("/join-requests/", members_api.join_requests)
api.add_router("/join-channels/", members_api.join_channels)
api.add_router("/transfers/", members_api.transfers)
api.add_router("/public/", members_api_public.public)
api.add_router("/assistance/", assistance_api.router)
api.add_router("/rights/tickets/", rights_api.router)
api.add_router("/legal-aid/applications/", legalaid_api.router)
api.add_router("/consult/consultations/", consult_api.router)
api.add_router("/mediation/cases/", mediation_api.router)
