"""The project's URLs plus the bench-only R and N views of B5.

All load comes from 127.0.0.1, so the per-IP hourly cap of the public join (members.joining,
shared by the API and the portal) would stop the run after ten requests: the bench lifts that
cap (and only that) in its own server process."""

from django.urls import path

import gonghui.members.joining as joining
from bench import views
from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project

joining.JOIN_RATE_PER_IP_HOUR = 10**9

urlpatterns = [
    path("bench/ping", views.ping),
    path("bench/r/member/<int:pk>", views.member_raw),
    path("bench/n/member/<int:pk>", views.member_orm_fresh),
    path("bench/r/join", views.join_raw),
    path("bench/n/join", views.join_modelform),
    *project,
]
