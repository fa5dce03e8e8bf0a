from django import forms

from evaluation.specs import TASKS

_TASK_CHOICES = [(name, name) for name in TASKS]
_REPO_ID = {"placeholder": "namespace/name", "autocomplete": "off"}


class _Settings(forms.Form):
    """What a job and a leaderboard share: where the data is and how to read it."""

    config = forms.CharField(required=False, initial="default", max_length=100)
    split = forms.CharField(required=False, initial="test", max_length=100)
    metrics = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated; empty for every metric of the task.",
    )
    input_column = forms.CharField(
        required=False,
        max_length=100,
        help_text="Empty for the task's usual name (text, tokens, "
        "question, source, document, image).",
    )
    label_column = forms.CharField(
        required=False,
        max_length=100,
        help_text="The reference: label, tags, answers, target, "
        "summary. Not used for text-generation.",
    )
    context_column = forms.CharField(
        required=False, max_length=100, help_text="Question answering only."
    )
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        help_text="Evaluate a seeded random sample of this many examples.",
    )
    seed = forms.IntegerField(required=False, min_value=0, initial=0)

    def options(self, task: str | None) -> dict:
        """The service's options: columns only for the roles the task has."""
        data = self.cleaned_data
        roles = TASKS[task].columns if task in TASKS else {}
        given = {
            "input": data.get("input_column"),
            "label": data.get("label_column"),
            "context": data.get("context_column"),
        }
        return {
            "task": task or None,
            "config": data.get("config"),
            "split": data.get("split"),
            "metrics": data.get("metrics"),
            "limit": data.get("limit"),
            "seed": data.get("seed"),
            "columns": {role: value for role, value in given.items() if value and role in roles},
        }


class JobForm(_Settings):
    model = forms.CharField(max_length=140, widget=forms.TextInput(attrs=_REPO_ID))
    model_revision = forms.CharField(required=False, initial="main", max_length=255)
    dataset = forms.CharField(max_length=140, widget=forms.TextInput(attrs=_REPO_ID))
    dataset_revision = forms.CharField(required=False, initial="main", max_length=255)
    task = forms.ChoiceField(
        required=False, choices=[("", "The model card's pipeline_tag"), *_TASK_CHOICES]
    )
    field_order = ["model", "model_revision", "dataset", "dataset_revision", "task"]


class LeaderboardForm(_Settings):
    slug = forms.SlugField(max_length=64, help_text="Lowercase letters, digits and dashes.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    dataset_revision = forms.CharField(
        initial="main",
        max_length=255,
        help_text="A branch is tracked (re-evaluated when it moves); a commit id is pinned.",
    )
    task = forms.ChoiceField(choices=_TASK_CHOICES)
    main_metric = forms.CharField(
        required=False, max_length=40, help_text="Ranks the models; empty for the first metric."
    )
    auto_propose = forms.BooleanField(
        required=False,
        label="Propose each verified result to the model repo as a pull request",
    )
    field_order = ["title", "slug", "description", "dataset_revision", "task"]

    def board_options(self) -> dict:
        data = self.cleaned_data
        return {
            **self.options(data["task"]),
            "slug": data["slug"],
            "title": data["title"],
            "description": data["description"],
            "dataset_revision": data["dataset_revision"],
            "main_metric": data["main_metric"],
            "auto_propose": data["auto_propose"],
        }


class SubmitForm(forms.Form):
    model = forms.CharField(max_length=140, widget=forms.TextInput(attrs=_REPO_ID))
    revision = forms.CharField(
        required=False,
        initial="main",
        max_length=255,
        help_text="A branch is followed; a commit id is pinned.",
    )


class LeaderboardSettingsForm(forms.Form):
    """What can change once a board has results: how it reads and how it ranks."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    main_metric = forms.ChoiceField(choices=[], help_text="The column that ranks the models.")
    auto_propose = forms.BooleanField(
        required=False, help_text="Open a pull request with each new verified result."
    )

    def __init__(self, *args, metrics: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_metric"].choices = [(name, name) for name in metrics]
