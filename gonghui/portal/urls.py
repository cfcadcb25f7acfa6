from django.urls import path

from gonghui.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_phone, name="login"),
    path("login/verify/", views.login_verify, name="verify"),
    path("logout/", views.logout_view, name="logout"),
]
