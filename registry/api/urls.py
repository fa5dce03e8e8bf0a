from django.urls import path, re_path

from registry.api import (
    access,
    discussions,
    files,
    lfs_files,
    likes,
    listing,
    orgtokens,
    quicksearch,
    refs,
    repos,
    uploads,
    views,
)

REPO = r"(?P<repo_type>models|datasets|spaces)/(?P<namespace>[^/]+)/(?P<name>[^/]+)"

urlpatterns = [
    path("whoami-v2", views.WhoAmIView.as_view()),
    path("health", views.HealthView.as_view()),
    path("quicksearch", quicksearch.QuickSearchView.as_view()),
    path("agent-harnesses", repos.AgentHarnessesView.as_view()),
    path("repos/create", repos.RepoCreateView.as_view()),
    path("repos/delete", repos.RepoDeleteView.as_view()),
    path("repos/move", repos.RepoMoveView.as_view()),
    path("validate-yaml", repos.ValidateYamlView.as_view()),
    path("users/<str:username>/likes", likes.UserLikesView.as_view()),
    path("settings/repositories", lfs_files.RepoStorageView.as_view()),
    path("organizations/<str:org_name>/tokens", orgtokens.OrgTokensView.as_view()),
    path(
        "organizations/<str:org_name>/tokens/<uuid:public_id>",
        orgtokens.OrgTokenView.as_view(),
    ),
    path(
        "organizations/<str:namespace>/settings/repositories",
        lfs_files.RepoStorageView.as_view(),
    ),
    re_path(r"^(?P<repo_type>models|datasets|spaces)$", listing.RepoListView.as_view()),
    re_path(rf"^{REPO}$", repos.RepoInfoView.as_view()),
    re_path(rf"^{REPO}/revision/(?P<rev>(?s:.+))$", repos.RepoInfoView.as_view()),
    re_path(rf"^{REPO}/tree/(?P<rest>(?s:.+))$", files.tree),
    re_path(rf"^{REPO}/paths-info/(?P<rev>(?s:.+))$", files.PathsInfoView.as_view()),
    re_path(rf"^{REPO}/preupload/(?P<rev>(?s:.+))$", uploads.PreuploadView.as_view()),
    re_path(rf"^{REPO}/commit/(?P<rev>(?s:.+))$", uploads.commit),
    re_path(rf"^{REPO}/branch/(?P<branch>(?s:.+))$", refs.BranchView.as_view()),
    re_path(rf"^{REPO}/tag/(?P<target>(?s:.+))$", refs.TagView.as_view()),
    re_path(rf"^{REPO}/refs$", refs.RefsView.as_view()),
    re_path(rf"^{REPO}/commits/(?P<rev>(?s:.+))$", refs.CommitsView.as_view()),
    re_path(rf"^{REPO}/super-squash/(?P<branch>(?s:.+))$", refs.SuperSquashView.as_view()),
    re_path(rf"^{REPO}/settings$", repos.RepoSettingsView.as_view()),
    re_path(rf"^{REPO}/like$", likes.LikeView.as_view()),
    re_path(rf"^{REPO}/likers$", likes.LikersView.as_view()),
    re_path(rf"^{REPO}/auth-check(?:/(?P<write>write))?$", repos.AuthCheckView.as_view()),
    re_path(rf"^{REPO}/discussions$", discussions.DiscussionsView.as_view()),
    re_path(rf"^{REPO}/discussions/(?P<num>[0-9]+)$", discussions.DiscussionDetailView.as_view()),
    re_path(
        rf"^{REPO}/discussions/(?P<num>[0-9]+)/(?P<action>comment|status|title|merge)$",
        discussions.DiscussionActionView.as_view(),
    ),
    re_path(
        rf"^{REPO}/discussions/(?P<num>[0-9]+)/comment/(?P<comment_id>[^/]+)/(?P<action>edit|hide)$",
        discussions.DiscussionCommentView.as_view(),
    ),
    re_path(rf"^{REPO}/lfs-files$", lfs_files.LfsFilesView.as_view()),
    re_path(rf"^{REPO}/lfs-files/batch$", lfs_files.LfsFilesBatchView.as_view()),
    re_path(rf"^{REPO}/xet-(?P<kind>read|write)-token/(?P<rev>(?s:.+))$", repos.xet_token),
    re_path(
        rf"^{REPO}/user-access-request/(?P<status>pending|accepted|rejected)$",
        access.AccessRequestListView.as_view(),
    ),
    re_path(rf"^{REPO}/user-access-request/handle$", access.AccessRequestHandleView.as_view()),
    re_path(rf"^{REPO}/user-access-request/grant$", access.AccessGrantView.as_view()),
]

# Last, after every route above and any added later: the rest of /api/{type}s/ is a missing
# repo (namespace-less ids) or an unknown route of an existing one.
urlpatterns.append(
    re_path(r"^(?P<repo_type>models|datasets|spaces)/(?P<rest>(?s:.+))$", repos.repo_route_unknown)
)
