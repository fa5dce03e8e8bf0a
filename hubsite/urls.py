from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from registry.api import files, lfs
from registry.web import views as web_views

# Web routes name repos as the Hub does: models without a prefix, others under
# datasets/ or spaces/. Git LFS clients append `.git` to the repo URL.
WEB_REPO = r"(?:(?P<prefix>datasets|spaces)/)?(?P<namespace>[^/]+)/(?P<name>[^/]+?)"
LFS = rf"^{WEB_REPO}(?:\.git)?/info/lfs/objects"

urlpatterns = [
    path("api/", include("registry.api.urls")),
    path("lfs/upload/<str:oid>", lfs.upload),
    path("lfs/part/<str:oid>/<int:number>", lfs.upload_part),
    path("lfs/complete/<str:oid>", lfs.upload_complete),
    path("lfs/objects/<str:oid>", lfs.download),
    re_path(rf"{LFS}/batch$", lfs.batch),
    re_path(rf"{LFS}/verify$", lfs.verify),
    re_path(rf"^{WEB_REPO}/resolve/(?P<rest>.+)$", files.resolve),
    path("login", auth_views.LoginView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("", web_views.home, name="home"),
]

handler404 = "registry.api.handler.not_found"
handler500 = "registry.api.handler.server_error"
