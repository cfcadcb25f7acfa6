"""Console pages for hardship files and aid applications: the lists, the case page with its
history and transition buttons, and the small form pages that run one action each.

Reads go through ``restrict`` and :mod:`gonghui.assistance.queries`; every write calls an action
in :mod:`gonghui.assistance.actions`. A form's ``clean()`` runs the action, so a refused guard
is shown as a form error on the same page; an object outside the user's scope answers 404.

One module per concern: shared pieces, the step forms, the application pages and the file
pages. Importing this package registers both admins on the console site.
"""

from gonghui.assistance.admin_cases._shared import _render, case_url, file_url
from gonghui.assistance.admin_cases.application_pages import ApplicationAdmin
from gonghui.assistance.admin_cases.file_pages import HardshipFileAdmin

__all__ = [
    "ApplicationAdmin",
    "HardshipFileAdmin",
    "_render",
    "case_url",
    "file_url",
]
