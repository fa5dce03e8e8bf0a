from django.urls import path, re_path

from registry.api import files, repos, uploads, views

REPO = r"(?P<repo_type>models|datasets|spaces)/(?P<namespace>[^/]+)/(?P<name>[^/]+)"

urlpatterns = [
    path("whoami-v2", views.WhoAmIView.as_view()),
    path("health", views.HealthView.as_view()),
    path("agent-harnesses", repos.AgentHarnessesView.as_view()),
    path("repos/create", repos.RepoCreateView.as_view()),
    path("repos/delete", repos.RepoDeleteView.as_view()),
    path("validate-yaml", repos.ValidateYamlView.as_view()),
    re_path(rf"^{REPO}$", repos.RepoInfoView.as_view()),
    re_path(rf"^{REPO}/revision/(?P<rev>.+)$", repos.RepoInfoView.as_view()),
    re_path(rf"^{REPO}/tree/(?P<rest>.+)$", files.tree),
    re_path(rf"^{REPO}/paths-info/(?P<rev>.+)$", files.PathsInfoView.as_view()),
    re_path(rf"^{REPO}/preupload/(?P<rev>.+)$", uploads.PreuploadView.as_view()),
    re_path(rf"^{REPO}/commit/(?P<rev>.+)$", uploads.commit),
    re_path(rf"^{REPO}/xet-(?P<kind>read|write)-token/(?P<rev>.+)$", repos.xet_token),
]
