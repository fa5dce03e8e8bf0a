"""Changing files from the browser: the upload page (its JavaScript speaks the JSON API and
Git LFS directly), the text editor and file deletion. All commit through the API's rules."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry import errors
from registry.gitstore import Change
from registry.names import validate_path_in_repo
from registry.permissions import Action, require
from registry.request import actor, caller, open_git, web_repo
from registry.services.changes import change_commit, commit_target
from registry.services.scans import secrets_warning
from registry.web.forms import CommitFields, EditFileForm
from registry.web.views.common import repo_base, repo_header, require_signed_in, rev_url
from registry.web.views.files import MAX_SHOWN_TEXT, located

API_PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}


def upload(
    request: HttpRequest, namespace: str, name: str, rest: str = "", prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    require_signed_in(request)
    rev, folder = located(request, "/upload/") if rest else ("main", "")
    context = {
        "header": repo_header(request, repo, tab="files", rev=rev),
        "rev": rev,
        "folder": folder,
        "api_base": f"/api/{API_PLURAL[repo.type]}/{repo.repo_id}",
        "lfs_batch": f"{repo_base(repo)}.git/info/lfs/objects/batch",
        "tree_url": rev_url(repo, "tree", rev, folder),
    }
    return render(request, "repo/upload.html", context)


def _current_text(git, sha: str, path: str) -> str | None:
    entry = git.entry(sha, path)
    if entry is None:
        return None
    if entry.type != "file" or entry.lfs is not None or entry.size > MAX_SHOWN_TEXT:
        raise errors.BadRequest(f"{path} cannot be edited in the browser")
    data = git.read_blob(entry.oid)
    if b"\x00" in data[:8000]:
        raise errors.BadRequest(f"{path} is a binary file")
    return data.decode("utf-8", "replace")


def edit(
    request: HttpRequest, namespace: str, name: str, rest: str = "", prefix: str | None = None
) -> HttpResponse:
    """Edits a text file, or creates one when the path does not exist yet."""
    repo = web_repo(request, prefix, namespace, name)
    require_signed_in(request)
    rev, path = located(request, "/edit/") if rest else ("main", "")
    git = open_git(repo)
    sha = git.resolve(rev)
    if path:  # the editor shows the file's text: a gated repo's, only to those who may read it
        require(actor(request), Action.DOWNLOAD, repo=repo)
    text = _current_text(git, sha, path) if path else None
    initial = {
        "path": path,
        "content": text or "",
        "parent_commit": sha,
        "summary": f"Update {path}" if text is not None else "",
    }
    form = EditFileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _commit_form(request, repo, git, rev, form, _edit_changes(git, form))
        if done is not None:
            return done
    context = {
        "header": repo_header(request, repo, tab="files", rev=rev),
        "form": form,
        "rev": rev,
        "path": path,
        "is_new": text is None,
    }
    return render(request, "repo/edit.html", context)


def _edit_changes(git, form: EditFileForm) -> list[Change] | None:
    try:
        path = validate_path_in_repo(form.cleaned_data["path"].strip())
    except errors.InvalidName as exc:
        form.add_error("path", exc.message)
        return None
    # Browsers send CRLF from textareas; files keep the line endings people type elsewhere.
    content = form.cleaned_data["content"].replace("\r\n", "\n")
    return [Change("add", path, git.write_blob(content.encode()))]


def _commit_form(request, repo, git, rev: str, form, changes) -> HttpResponse | None:
    """Commits `changes` with the form's message; a redirect, or None with the form's errors."""
    if changes is None:
        return None
    user, token = caller(request)
    data = form.cleaned_data
    summary = data["summary"].strip() or f"Update {data.get('path') or 'files'}"
    try:
        if rev.startswith("refs/"):
            raise errors.BadRequest("Pages commit to branches; open a pull request to propose")
        target = commit_target(
            user=user, token=token, repo=repo, git=git, rev=rev, create_pr=data["create_pr"]
        )
        result = change_commit(
            user=user,
            token=token,
            repo=repo,
            git=git,
            target=target,
            changes=changes,
            summary=summary,
            description=data["description"],
            parent_commit=data["parent_commit"] or None,
        )
    except errors.HubError as exc:
        form.add_error(None, exc.message)
        return None
    if result.secrets:
        messages.warning(request, secrets_warning(result.secrets))
    if result.pull is not None:
        messages.success(request, f"Opened pull request #{result.pull.num}")
        return redirect(f"{repo_base(repo)}/discussions/{result.pull.num}")
    messages.success(request, f"Committed {result.sha[:7]}")
    return redirect(f"{repo_base(repo)}/commit/{result.sha}")


def delete(
    request: HttpRequest, namespace: str, name: str, rest: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    require_signed_in(request)
    rev, path = located(request, "/delete/")
    git = open_git(repo)
    sha = git.resolve(rev)
    if not path or git.entry(sha, path) is None:
        raise errors.EntryNotFound(f"{path} does not exist at {rev}")
    initial = {"summary": f"Delete {path}", "parent_commit": sha}
    form = CommitFields(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _commit_form(request, repo, git, rev, form, [Change("delete_file", path)])
        if done is not None:
            return done
    context = {
        "header": repo_header(request, repo, tab="files", rev=rev),
        "form": form,
        "rev": rev,
        "path": path,
    }
    return render(request, "repo/delete.html", context)
