from django.urls import include, path, re_path

from registry.api import files, git, lfs

# Web routes name repos as the Hub does: models without a prefix, others under
# datasets/ or spaces/. Git LFS clients append `.git` to the repo URL.
WEB_REPO = r"(?:(?P<prefix>datasets|spaces)/)?(?P<namespace>[^/]+)/(?P<name>[^/]+?)"
GIT = rf"^{WEB_REPO}(?:\.git)?"
LFS = rf"{GIT}/info/lfs/objects"

urlpatterns = [
    # Spaces first: its /api/spaces/{id}/runtime... routes would reach the registry's
    # catch-all for /api/spaces/ otherwise.
    path("", include("spaces.urls")),
    # get_dataset_leaderboard: before the registry's catch-all for /api/datasets/.
    path("", include("evaluation.urls_api")),
    # The dataset viewer's API (/api/datasets-server/...): before the registry's /api/.
    path("", include("viewer.urls")),
    path("", include("jobs.urls")),
    # /api/finetune and the /finetune/new page: before the registry's catch-alls.
    path("", include("finetune.urls")),
    path("", include("provenance.urls")),
    path("", include("xetstore.bucket_urls")),
    # /api/organizations/{org}/audit-log: before the registry's /api/ routes.
    path("", include("audit.urls")),
    # /api/{type}s/{id}/compare/... and the /{repo}/compare pages: before the registry's
    # /api/ catch-alls, and their prefix excludes api/ and lfs/.
    path("", include("compare.urls")),
    path("api/", include("registry.api.urls")),
    path("lfs/upload/<str:oid>", lfs.upload),
    path("lfs/part/<str:oid>/<int:number>", lfs.upload_part),
    path("lfs/complete/<str:oid>", lfs.upload_complete),
    path("lfs/objects/<str:oid>", lfs.download),
    re_path(rf"{LFS}/batch$", lfs.batch),
    re_path(rf"{LFS}/verify$", lfs.verify),
    re_path(rf"{GIT}/info/lfs/locks(?:/verify)?$", lfs.locks),
    re_path(rf"{GIT}/info/refs$", git.info_refs),
    re_path(rf"{GIT}/(?P<service>git-upload-pack|git-receive-pack)$", git.rpc),
    re_path(rf"^{WEB_REPO}/resolve/(?P<rest>(?s:.+))$", files.resolve),
    # A repo id without a namespace (`gpt2` on the Hub) names no repo here.
    re_path(r"^(?:(?:datasets|spaces)/)?[^/]+/resolve/(?s:.+)$", files.resolve_without_namespace),
    # The Xet CAS; tokens from /api/.../xet-{read,write}-token give clients this prefix.
    path("xet-cas/", include("xetstore.urls")),
    # Pages come last: their patterns (/<owner>/<name>/...) would shadow the routes above.
    path("", include("inference.urls")),
    path("", include("evaluation.urls")),
    path("", include("webhooks.urls")),
    path("", include("repocollections.urls")),
    path("", include("registry.web.urls")),
]

handler404 = "registry.api.handler.not_found"
handler500 = "registry.api.handler.server_error"
