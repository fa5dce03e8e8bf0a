"""The import form: /import/new. A submit imports the repo within the request (the same
service as `manage.py import`, every object checked before the repo appears) and goes to
its page; a refusal shows the form again with the reason. Large repos belong to the command:
the request lasts as long as the transfer."""

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from provenance.importing import repo_import
from provenance.source import source_parse
from registry import errors
from registry.request import actor, session_only


@session_only
def import_new(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    if not who.signed_in:
        raise errors.AuthenticationRequired()
    values = request.POST if request.method == "POST" else QueryDict()
    error, status = "", 200
    if request.method == "POST":
        try:
            repo = repo_import(
                user=who.user,
                source=source_parse(
                    values.get("source", "").strip(), token=values.get("token", "").strip() or None
                ),  # fmt: skip
                to=values.get("to", "").strip() or None,
                sync=values.get("sync") == "on",
                private=True if values.get("private") == "on" else None,
            )
        except errors.HubError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(f"/{repo.url_prefix}{repo.repo_id}")
    return render(request, "provenance/import.html", {"values": values, "error": error},
                  status=status)  # fmt: skip
