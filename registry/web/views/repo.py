"""The repo page (card), likes, the evaluation tab, creating repos and repo settings."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry import errors
from registry.cards import card_body, card_sidebar, card_tags, render_markdown
from registry.request import base_url, caller, open_git, web_repo
from registry.selectors import model_base_models, model_children
from registry.services.activity import like_add, like_remove
from registry.services.repos import repo_create, repo_delete, repo_move, repo_update_settings
from registry.services.scans import security_repo_status
from registry.web import queries
from registry.web.forms import DeleteRepoForm, MoveForm, RepoCreateForm, VisibilityForm
from registry.web.preview import preview_format
from registry.web.snippets import model_snippets
from registry.web.views.common import repo_base, repo_header, require_signed_in, rev_url

DATA_FILES_SHOWN = 20


def card(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    repo = web_repo(request, prefix, namespace, name)
    git = open_git(repo)
    sha = git.resolve("main")
    text = queries.readme_text(git=git, sha=sha)
    html = None
    if text is not None:
        html = render_markdown(
            card_body(text),
            link_base=rev_url(repo, "blob", "main") + "/",
            image_base=rev_url(repo, "resolve", "main") + "/",
        )
    context = {
        "header": repo_header(request, repo, tab="card"),
        "card_html": html,
        "tags": card_tags(repo.card_data, repo_type=repo.type),
        "sidebar": card_sidebar(repo.card_data),
        "data_files": _data_files(git, sha) if repo.type == "dataset" else [],
        "unsafe_files": _unsafe_files(git, sha),
    }
    if repo.type == "model":
        context.update(_model_tree(request, repo, git, sha))
        context.update(_model_usage(request, repo, sha))
    return render(request, "repo/card.html", context)


def _model_usage(request: HttpRequest, repo, sha: str) -> dict:
    """What the weights are, who builds on them, and how to load them."""
    return {
        "weights": queries.model_weights(repo=repo, sha=sha),
        "spaces": queries.model_spaces(user=request.user, repo=repo),
        "snippets": model_snippets(repo=repo, base_url=base_url(request)),
    }


def _model_tree(request: HttpRequest, repo, git, sha: str) -> dict:
    """The model tree both ways: what the card names as its base, and how many models the
    viewer can see name this one."""
    top = [entry.path for entry in git.list_tree(sha)]
    return {
        "base_models": model_base_models(card=repo.card_data, paths=top),
        "fine_tunes": model_children(user=request.user, repo=repo).count(),
    }


def _unsafe_files(git, sha: str) -> list[str]:
    issues = security_repo_status(git=git, sha=sha)["filesWithIssues"]
    return [issue["path"] for issue in issues if issue["status"] == "unsafe"]


def _data_files(git, sha: str) -> list[str]:
    files = [e.path for e in git.list_tree(sha, recursive=True) if e.type == "file"]
    return [path for path in files if preview_format(path)][:DATA_FILES_SHOWN]


@require_POST
def like(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    repo = web_repo(request, prefix, namespace, name)
    require_signed_in(request)
    if queries.has_liked(user=request.user, repo=repo):
        like_remove(user=request.user, repo=repo)
    else:
        like_add(user=request.user, repo=repo)
    return redirect(repo_base(repo))


def new_repo(request: HttpRequest) -> HttpResponse:
    require_signed_in(request)
    user, token = caller(request)
    owners = queries.writable_namespaces(user=user)
    initial = {"type": request.GET.get("type", "model")}
    form = RepoCreateForm(request.POST or None, owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = data["owner"] if data["owner"] != user.username else None
        try:
            repo = repo_create(
                user=user,
                token=token,
                name=data["name"],
                organization=organization,
                repo_type=data["type"],
                private=data["visibility"] == "private",
                license=data["license"] or None,
            )
        except errors.HubError as exc:
            form.add_error("name", exc.message)
        else:
            return redirect(repo_base(repo))
    return render(request, "repo/new.html", {"form": form})


def settings_page(request: HttpRequest, namespace: str, name: str, prefix: str | None = None):
    repo = web_repo(request, prefix, namespace, name)
    header = repo_header(request, repo, tab="settings")
    if not header.can_write:
        raise errors.Forbidden(f"You don't have write access to '{repo.namespace.name}'")
    forms = {
        "visibility": VisibilityForm(
            initial={"visibility": "private" if repo.private else "public"}
        ),
        "move": MoveForm(initial={"new_id": repo.repo_id}),
        "delete": DeleteRepoForm(),
    }
    action = request.POST.get("action")
    if request.method == "POST" and action in forms:
        forms[action] = _SETTINGS_FORMS[action](request.POST)
        done = _apply_setting(request, repo, action, forms[action])
        if done is not None:
            return done
    return render(request, "repo/settings.html", {"header": header, "forms": forms})


_SETTINGS_FORMS = {"visibility": VisibilityForm, "move": MoveForm, "delete": DeleteRepoForm}


def _apply_setting(request: HttpRequest, repo, action: str, form) -> HttpResponse | None:
    """Runs one settings form; a redirect when it worked, None to show the form's errors."""
    if not form.is_valid():
        return None
    user, token = caller(request)
    data = form.cleaned_data
    try:
        if action == "visibility":
            private = data["visibility"] == "private"
            repo_update_settings(user=user, token=token, repo=repo, private=private, gated=None)
        elif action == "move":
            repo = repo_move(user=user, token=token, repo=repo, to_repo=data["new_id"].strip())
        elif data["confirm"].strip() != repo.repo_id:
            form.add_error("confirm", f"Type {repo.repo_id} to delete this repository")
            return None
        else:
            repo_delete(user=user, token=token, repo=repo)
            messages.success(request, f"Deleted {repo.repo_id}")
            return redirect(f"/{user.username}")
    except errors.HubError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, "Settings saved")
    return redirect(repo_base(repo) + "/settings")
