from django import template

from evaluation.hubresults import model_eval_results
from evaluation.plots import size_label
from evaluation.selectors import model_placings
from registry.models import Repo

register = template.Library()


@register.filter
def parameters(count: int | None) -> str:
    """110M, 1.3B: a model's size as cards write it; empty when unknown."""
    return size_label(count) if count else ""


@register.inclusion_tag(
    "evaluation/eval_results.html", takes_context=True, name="model_eval_results"
)
def model_eval_results_tag(context: template.Context, repo: Repo) -> dict:
    """`{% model_eval_results repo %}`: the model's results in the Hub's format, verified
    ones (the hub's jobs, or a token that proves them) apart from community-reported ones."""
    request = context.get("request")
    user = getattr(request, "user", None)
    results = model_eval_results(user=user, model=repo, base_url="")
    return {
        "placings": model_placings(user=user, model=repo) if user is not None else [],
        "verified": [r for r in results if r.get("verified")],
        "reported": [r for r in results if not r.get("verified") and "data" in r],
        "invalid": [r for r in results if "error" in r],
    }
