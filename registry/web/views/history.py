"""History: the commit list per revision and a commit with its diff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.permissions import Action, allows
from registry.request import actor, open_git, rev_and_path, web_repo
from registry.web import queries
from registry.web.diffs import parse_patch
from registry.web.views.common import page_number, repo_header


def commits(
    request: HttpRequest, namespace: str, name: str, rest: str = "", prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    rev = rev_and_path(request, "/commits/")[0] if rest else "main"
    git = open_git(repo)
    sha = git.resolve(rev)
    context = {
        "header": repo_header(request, repo, tab="commits", rev=rev),
        "rev": rev,
        "revisions": queries.revisions(git=git),
        "switch_kind": "commits",
        "page": queries.commits_page(git=git, sha=sha, number=page_number(request)),
        "count": queries.commit_count(repo=repo, git=git, sha=sha),
    }
    return render(request, "repo/commits.html", context)


def commit(
    request: HttpRequest, namespace: str, name: str, sha: str, prefix: str | None = None
) -> HttpResponse:
    repo = web_repo(request, prefix, namespace, name)
    git = open_git(repo)
    info = git.commit_info(git.resolve(sha))
    # A diff shows the files' contents: a gated repo's, only to those who may read them.
    if not allows(actor(request), Action.DOWNLOAD, repo=repo):
        files, truncated, added = [], False, []
    elif info.parents:
        files, truncated = parse_patch(git.diff_text(info.parents[0], info.id))
        added = []
    else:
        files, truncated = [], False
        added = [e for e in git.list_tree(info.id, recursive=True) if e.type == "file"]
    context = {
        "header": repo_header(request, repo, tab="commits"),
        "commit": info,
        "files": files,
        "truncated": truncated,
        "added": added[:1000],
    }
    return render(request, "repo/commit.html", context)
