"""Console pages of platform apps, registered by the console (the platform imports no
console; admin autodiscovery imports this module)."""

from gonghui.console import (
    admin_audit,  # noqa: F401  (registration)
    admin_calendar,  # noqa: F401  (registration)
    admin_corrections,  # noqa: F401  (registration)
)
