"""Fine-tune routes, included by hubsite/urls.py before the registry's API and pages (whose
/<namespace>/<name> would take /finetune/new)."""

from django.urls import include, path

from finetune import api, views

app_name = "finetune"

pages = [path("finetune/new", views.finetune_new, name="new")]

urlpatterns = [
    path("api/finetune", api.FinetuneView.as_view()),
    path("", include((pages, "web"))),
]
