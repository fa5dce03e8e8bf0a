"""The fine-tune form: /finetune/new?base=<model>. A submit starts the job and goes to its page,
where the log streams; bad settings show the form again with the message. Plain HTML: it
works without JavaScript."""

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from finetune.services import finetune_start
from finetune.specs import HYPERPARAMETERS, TASKS, timeout_limits
from registry import errors
from registry.request import actor

ROLES = ("input", "label")


def finetune_new(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    if not who.signed_in:
        raise errors.AuthenticationRequired()
    values = request.POST if request.method == "POST" else QueryDict(mutable=True)
    if request.method != "POST":
        values["base_model"] = request.GET.get("base", "")
    error, status = "", 200
    if request.method == "POST":
        try:
            job, _ = finetune_start(
                actor=who, settings=_form_settings(values, owner=who.user.username)
            )
        except errors.HubError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("jobs:web:job", namespace=job.namespace.name, job_id=job.id)
    context = {"values": values, "error": error, "tasks": TASKS.values(), "hyperparameters": [
        (h, values.get(h.name, "")) for h in HYPERPARAMETERS.values()
    ], "timeout": timeout_limits()}  # fmt: skip
    return render(request, "finetune/new.html", context, status=status)


def _form_settings(form: QueryDict, *, owner: str) -> dict:
    """The settings finetune_start takes, from the form's fields (blank ones: the defaults).
    An output name without a namespace goes to the user's own."""
    text = {name: form.get(name, "").strip() for name in form}
    output = text.get("output_repo", "")
    return {
        **{name: text.get(name) or None for name in ("base_model", "dataset", "task")},
        **{name: text.get(name) or None for name in ("config", "split", "eval_split")},
        **{name: text.get(name) or None for name in ("timeout", "source_lang", "target_lang")},
        "columns": {role: text[f"column_{role}"] for role in ROLES if text.get(f"column_{role}")},
        "hyperparameters": {name: text[name] for name in HYPERPARAMETERS if text.get(name)},
        "output_repo": (output if "/" in output else f"{owner}/{output}") if output else None,
        "private": form.get("private") == "on",
    }
