from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry.web import views as web_views

urlpatterns = [
    path("api/", include("registry.api.urls")),
    path("login", auth_views.LoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("", web_views.home, name="home"),
]

handler404 = "registry.api.handler.not_found"
handler500 = "registry.api.handler.server_error"
