"""Settings for the bench process and for the gunicorn server of B5.

The project's settings (config.settings, DATABASE_URL from the environment) plus:

* two extra aliases on the same database for the B5 baselines: ``persistent`` (a connection
  kept across requests, for R) and ``fresh`` (a new connection per request, for N);
* ``DEBUG = False`` (no query log in memory) and the bench URLs (bench/urls.py: the project's
  URLs plus the R and N views).
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
_base = dict(DATABASES["default"])
_base.pop("TEST", None)
DATABASES["persistent"] = {**_base, "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": False}
DATABASES["fresh"] = {**_base, "CONN_MAX_AGE": 0}
