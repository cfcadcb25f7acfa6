from django.urls import path

from gonghui.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("card/", views.card, name="card"),
    path("transfer/", views.transfer_request, name="transfer-request"),
    path("transfer/<int:pk>/cancel/", views.transfer_cancel, name="transfer-cancel"),
    path("login/", views.login_phone, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
    # Public: scanning a union's QR poster (url_policy "^m/join/").
    path("join/done/", views.join_done, name="join-done"),
    path("join/<str:token>/", views.join, name="join"),
]
