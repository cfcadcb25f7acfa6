"""Member rosters as spreadsheets: importing rows (issue #13: through the platform's import
engine, ``gonghui/platform/imports``), and, re-exported here, the columns and row cleaning
(``roster_rows``), the batch writer (``roster_writer``) and the export (``roster_export``).

Valid rows are written in batches, one transaction and one audit event per batch
(``roster_writer.BatchWriter``; on PostgreSQL each batch is committed on a writer thread
while the next is prepared). A person is found city-wide by the blind index of the ID number;
a current member of *another* union is an error row (transfers are their own workflow), a
current member of the same union is updated, and re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.utils import timezone

from gonghui.members.roster_export import (  # noqa: F401 (the roster's public names)
    EXPORT_DIRECT_LIMIT,
    EXPORT_FILTERS,
    EXPORT_HEADERS,
    EXPORT_PERMISSION,
    EXPORT_SEARCH_AND_OWN_FILTERS,
    export_filters_from,
    export_queryset,
    write_memberships_xlsx,
)
from gonghui.members.roster_rows import (  # noqa: F401 (the roster's public names)
    CHOICE_ALIASES,
    CHOICE_CLASSES,
    COLUMN_BY_KEY,
    COLUMNS,
    HELP_SHEET_NAME,
    IMPORT_PERMISSION,
    MSG_DUPLICATE,
    ROSTER,
    SHEET_NAME,
    OrgResolver,
    RosterError,
    RowCleaner,
    build_template,
    choice_lookup,
    clean_bool,
    clean_choice,
    find_header,
    header_key,
    org_code_of,
)
from gonghui.members.roster_rows import pinyin as _pinyin  # noqa: F401
from gonghui.members.roster_writer import (  # noqa: F401 (the roster's public names)
    MEMBERSHIP_COLUMNS,
    MSG_MEMBER_ELSEWHERE,
    MSG_OTHER_UNION,
    MSG_PHONE_CHANGED,
    MSG_SAVE_FAILED,
    PERSON_COLUMNS,
    BatchWriter,
    assign_card_numbers,
)
from gonghui.orgs.models import Org
from gonghui.platform.imports.bulk import bulk_session
from gonghui.platform.imports.cells import (  # noqa: F401 (the roster's public names)
    CellError,
    clean_date,
    clean_id_number,
    clean_phone,
    clean_text,
)
from gonghui.platform.imports.cells import fast_mobile as _normalize_mobile  # noqa: F401
from gonghui.platform.imports.pipeline import ImportStats, RowResult, import_rows

# Rows per import batch (one transaction, one audit event, one progress update): measured on
# the bench, 500 → 4000 rows per batch imports ~1.5x faster (fewer commits and queries).
IMPORT_BATCH_SIZE = 4000
# SQLite works inside this process, holding the GIL between statements: measured on the
# bench, a reader thread gained nothing there (see platform/imports/pipeline.py).
PIPELINE_ON_SQLITE = False


def preview_cleaner(actor, org: Org, columns: dict[int, str]) -> RowCleaner:
    """The cleaner an upload's preview shows the first rows with (platform/imports/preview.py):
    the one ``import_roster`` runs."""
    return RowCleaner(columns, OrgResolver(actor, org), timezone.localdate())


def import_roster(
    rows: Iterable[list],
    *,
    actor,
    org: Org,
    first_row: int = 1,
    total_rows: int = 0,
    batch_size: int = IMPORT_BATCH_SIZE,
    on_header: Callable[[list], None] | None = None,
    on_error: Callable[[RowResult], None] | None = None,
    on_warning: Callable[[RowResult], None] | None = None,
    on_progress: Callable[[ImportStats], None] | None = None,
    audit_obj=None,
    today: date | None = None,
) -> ImportStats:
    """Import member rows into ``org`` and the unions below it that ``actor`` may import
    into. Raises :class:`RosterError` when the file as a whole is unusable."""
    today = today or timezone.localdate()
    with bulk_session():
        return import_rows(
            rows,
            columns=ROSTER,
            cleaner_for=lambda columns: RowCleaner(columns, OrgResolver(actor, org), today),
            writer=BatchWriter(actor, audit_obj=audit_obj, audit_org=org, today=today),
            first_row=first_row,
            total_rows=total_rows,
            batch_size=batch_size,
            on_header=on_header,
            on_error=on_error,
            on_warning=on_warning,
            on_progress=on_progress,
            thread_on_sqlite=PIPELINE_ON_SQLITE,
        )
