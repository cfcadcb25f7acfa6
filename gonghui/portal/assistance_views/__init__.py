"""Hardship help in the worker portal (/m/assistance/): apply, upload documents, follow every
step and see the decision.

Reads are the member's *own* data (``Model.objects.own(request.user)``): anything else
answers 404. Writes go through ``gonghui.assistance.actions`` only, and the worker's buttons
(提交审核, 撤回申请) are the application's declared transitions on the portal face.

One module per concern: ``reads`` (her own rows and the words for states and steps),
``forms`` (the one-page application form), ``apply`` (her page and the form's views) and
``track`` (following an application, its documents and her transitions). The views are
re-exported here for ``gonghui.portal.urls``.
"""

from gonghui.portal.assistance_views.apply import assistance_apply, assistance_home
from gonghui.portal.assistance_views.reads import current_application, own_applications
from gonghui.portal.assistance_views.track import (
    assistance_attachment,
    assistance_detail,
    assistance_upload,
    assistance_withdraw,
)

__all__ = [
    "assistance_apply",
    "assistance_attachment",
    "assistance_detail",
    "assistance_home",
    "assistance_upload",
    "assistance_withdraw",
    "current_application",
    "own_applications",
]
