""" "Use this model": the code a reader copies to load a model with each client, as the Hub
writes it, with this hub's address where a client needs one."""

from dataclasses import dataclass

from registry.models import Repo

# The Auto class transformers loads each task's head with (the Hub's own table, shortened to
# the tasks the hub serves); any other task loads the bare AutoModel.
_AUTO_CLASSES = {
    "text-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "question-answering": "AutoModelForQuestionAnswering",
    "fill-mask": "AutoModelForMaskedLM",
    "text-generation": "AutoModelForCausalLM",
    "text2text-generation": "AutoModelForSeq2SeqLM",
    "summarization": "AutoModelForSeq2SeqLM",
    "translation": "AutoModelForSeq2SeqLM",
    "image-classification": "AutoModelForImageClassification",
    "feature-extraction": "AutoModel",
}
_PROCESSORS = {"image-classification": "AutoImageProcessor"}


@dataclass(frozen=True)
class Snippet:
    title: str
    language: str  # what the code is, for the label: python, bash
    code: str


def model_snippets(*, repo: Repo, base_url: str) -> list[Snippet]:
    """The snippets for `repo`: transformers (when the card says so), huggingface_hub, git,
    and the Inference API when the card names a task."""
    task = repo.card_data.get("pipeline_tag")
    task = task if isinstance(task, str) else None
    snippets = []
    if repo.card_data.get("library_name", "transformers") == "transformers":
        snippets.append(_transformers(repo.repo_id, task, base_url))
    snippets.append(_hub_client(repo.repo_id, base_url))
    snippets.append(_git(repo.repo_id, base_url))
    if task:
        snippets.append(_inference(repo.repo_id, base_url))
    return snippets


def _transformers(repo_id: str, task: str | None, base_url: str) -> Snippet:
    auto = _AUTO_CLASSES.get(task or "", "AutoModel")
    processor = _PROCESSORS.get(task or "", "AutoTokenizer")
    lines = [f"# export HF_ENDPOINT={base_url}", ""]
    if task:
        lines += [
            "from transformers import pipeline",
            "",
            f'pipe = pipeline("{task}", model="{repo_id}")',
            "",
            "# or load the model directly",
        ]
    lines += [
        f"from transformers import {processor}, {auto}",
        "",
        f"{'processor' if processor != 'AutoTokenizer' else 'tokenizer'} = "
        f'{processor}.from_pretrained("{repo_id}")',
        f'model = {auto}.from_pretrained("{repo_id}")',
    ]
    return Snippet("Transformers", "python", "\n".join(lines))


def _hub_client(repo_id: str, base_url: str) -> Snippet:
    code = (
        "from huggingface_hub import snapshot_download\n\n"
        f'path = snapshot_download("{repo_id}", endpoint="{base_url}")'
    )
    return Snippet("huggingface_hub", "python", code)


def _git(repo_id: str, base_url: str) -> Snippet:
    code = f"git lfs install\ngit clone {base_url}/{repo_id}"
    return Snippet("Git", "bash", code)


def _inference(repo_id: str, base_url: str) -> Snippet:
    code = (
        f"curl {base_url}/models/{repo_id} \\\n"
        '  -H "Authorization: Bearer $HF_TOKEN" -H "Content-Type: application/json" \\\n'
        '  -d \'{"inputs": "Hello"}\''
    )
    return Snippet("Inference API", "bash", code)
