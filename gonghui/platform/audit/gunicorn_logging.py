"""gunicorn's logger with ID numbers and mobiles masked (issue #11, finding 8).

The access log's request line (``%(r)s``), query string (``%(q)s``), referer (``%(f)s``) and
any header or environ atom can carry what a user typed into a search box (``?q=<ID>``), and
the error log names the URI of a request that failed. Run gunicorn with
``--logger-class gonghui.platform.audit.gunicorn_logging.RedactingLogger`` (docs/operations.md):
every record of ``gunicorn.access`` and ``gunicorn.error`` goes through the project's
:class:`~gonghui.platform.audit.scrub.RedactPIFilter` before any handler writes it.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from gonghui.platform.audit.scrub import RedactPIFilter


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactPIFilter) for f in log.filters):
                log.addFilter(RedactPIFilter())
