from django.urls import path

from gonghui.portal import assistance_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("card/", views.card, name="card"),
    path("transfer/", views.transfer_request, name="transfer-request"),
    # The worker's own declared transitions (members/workflows.py, portal face).
    path("transfer/<int:pk>/<str:name>/", views.transfer_do, name="transfer-do"),
    path("join-claims/<int:pk>/", views.join_claim, name="join-claim"),
    path("join-claims/<int:pk>/<str:name>/", views.join_claim_do, name="join-claim-do"),
    # Hardship help (困难帮扶): the member's own applications.
    path("assistance/", assistance_views.assistance_home, name="assistance"),
    path("assistance/apply/", assistance_views.assistance_apply, name="assistance-apply"),
    path("assistance/<int:pk>/", assistance_views.assistance_detail, name="assistance-detail"),
    path(
        "assistance/<int:pk>/upload/",
        assistance_views.assistance_upload,
        name="assistance-upload",
    ),
    path(
        "assistance/<int:pk>/withdraw/",
        assistance_views.assistance_withdraw,
        name="assistance-withdraw",
    ),
    path(
        "assistance/document/<uuid:public_id>/",
        assistance_views.assistance_attachment,
        name="assistance-attachment",
    ),
    path("login/", views.login_phone, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
    # Public: scanning a union's QR poster (url_policy "^m/join/").
    path("join/done/", views.join_done, name="join-done"),
    path("join/<str:token>/", views.join, name="join"),
]
