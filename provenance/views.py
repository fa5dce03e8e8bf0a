"""Provenance pages. The import form, /import/new: a submit imports the repo within the
request (the same service as `manage.py import`, every object checked before the repo
appears) and goes to its page; a refusal shows the form again with the reason. Large repos
belong to the command: the request lasts as long as the transfer. And an organization's
signing policy, /organizations/<org>/signing, for its admins."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from provenance.importing import repo_import
from provenance.selectors import signing_required
from provenance.services import signing_policy_set
from provenance.signatures import trust_roots
from provenance.source import source_parse
from registry import errors
from registry.models import Namespace
from registry.permissions import Action, require
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
                via=values.get("via") or "auto",
            )
        except errors.HubError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(f"/{repo.url_prefix}{repo.repo_id}")
    return render(request, "provenance/import.html", {"values": values, "error": error},
                  status=status)  # fmt: skip


@session_only
def org_signing(request: HttpRequest, org: str) -> HttpResponse:
    """An organization's signing policy, for its admins: whether main moves only to commits
    whose model.sig verifies, and what this hub trusts to verify them."""
    owner = Namespace.objects.filter(name=org, kind="org").select_related("org").first()
    if owner is None:
        raise errors.NotFound(f"No organization '{org}'")
    require(actor(request), Action.MANAGE_ACCOUNT, namespace=owner)
    if request.method == "POST":
        required = request.POST.get("require_signed_main") == "on"
        signing_policy_set(org=owner.org, require_signed_main=required)
        return redirect(f"/organizations/{owner.name}/signing")
    keys, authorities = trust_roots(settings.HUB_SIGNING_TRUST_ROOTS)
    context = {
        "owner": owner,
        "required": signing_required(org=owner.org),
        "keys": sorted(path.name for path in keys.values()),
        "authorities": [path.name for path in authorities],
    }
    return render(request, "provenance/signing.html", context)
