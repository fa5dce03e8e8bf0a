from django import template

from registry.models import Repo
from registry.request import base_url
from viewer.page import dataset_summary, viewer_page
from viewer.selectors import conversion_of

register = template.Library()


@register.inclusion_tag("viewer/viewer.html", takes_context=True)
def dataset_viewer(context: template.Context, repo: Repo) -> dict:
    """`{% load viewer %}{% dataset_viewer repo %}`: the dataset's rows, for its page."""
    request = context["request"]
    return {"page": viewer_page(request, conversion_of(repo)), "repo": repo}


@register.inclusion_tag("viewer/summary.html", takes_context=True)
def dataset_summary_box(context: template.Context, repo: Repo) -> dict:
    """The splits, rows, size and features of the dataset, and how to load it."""
    conversion = conversion_of(repo)
    summary = dataset_summary(conversion)
    first = summary["splits"][0] if summary else {"config": "default", "split": "train"}
    base = base_url(context["request"])
    return {
        "repo": repo,
        "summary": summary,
        "conversion": conversion,
        "parquet_url": f"{base}/datasets/{repo.repo_id}/resolve/refs%2Fconvert%2Fparquet/"
        f"{first['config']}/{first['split']}/0000.parquet",
        "hf_path": f"hf://datasets/{repo.repo_id}@~parquet/{first['config']}/{first['split']}",
        "base": base,
    }
