"""Page forms. Validation of names and roles stays in the services; forms check shape only."""

from django import forms
from django.contrib.auth import password_validation

from registry.models import AccessToken, Repo, Role, TokenGrant

# Listing sort keys -> repo_search sort names (all on indexed columns but "updated").
SORTS = {
    "trending": "trendingScore",
    "downloads": "downloads",
    "likes": "likes",
    "updated": "lastModified",
}

# Common values offered as filters; any other value still works through the URL.
LISTING_FILTERS = {
    "task": [
        "text-generation",
        "text-classification",
        "token-classification",
        "question-answering",
        "summarization",
        "translation",
        "fill-mask",
        "feature-extraction",
        "sentence-similarity",
        "zero-shot-classification",
        "image-classification",
        "object-detection",
        "image-segmentation",
        "text-to-image",
        "automatic-speech-recognition",
        "text-to-speech",
    ],
    "library": [
        "transformers",
        "sentence-transformers",
        "diffusers",
        "peft",
        "timm",
        "pytorch",
        "safetensors",
        "gguf",
        "onnx",
        "tensorflow",
        "jax",
        "scikit-learn",
        "datasets",
    ],
    "license": [
        "apache-2.0",
        "mit",
        "bsd-3-clause",
        "gpl-3.0",
        "cc-by-4.0",
        "cc-by-sa-4.0",
        "cc-by-nc-4.0",
        "cc0-1.0",
        "openrail",
        "llama3",
        "other",
    ],
}


class HubForm(forms.Form):
    """Labels without Django's trailing colon: the stylesheet sets labels apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


_TYPES = [(t.value, t.label.title()) for t in Repo.Type]
_VISIBILITY = [("public", "Public"), ("private", "Private")]
# The licenses people pick most on the Hub, by the identifiers cards use (`license:`).
_LICENSES = [
    ("", "None yet"),
    ("apache-2.0", "Apache 2.0"),
    ("mit", "MIT"),
    ("bsd-3-clause", "BSD 3-clause"),
    ("cc-by-4.0", "CC BY 4.0"),
    ("cc-by-sa-4.0", "CC BY-SA 4.0"),
    ("cc-by-nc-4.0", "CC BY-NC 4.0"),
    ("cc0-1.0", "CC0 1.0"),
    ("gpl-3.0", "GPL 3.0"),
    ("lgpl-3.0", "LGPL 3.0"),
    ("agpl-3.0", "AGPL 3.0"),
    ("openrail", "OpenRAIL"),
    ("llama3", "Llama 3"),
    ("other", "Other"),
]


class RepoCreateForm(HubForm):
    owner = forms.ChoiceField(label="Owner")
    name = forms.CharField(label="Name", max_length=96)
    type = forms.ChoiceField(label="Type", choices=_TYPES, initial="model")
    license = forms.ChoiceField(
        label="License",
        choices=_LICENSES,
        required=False,
        help_text="Written into the card's metadata (README.md) in the first commit.",
    )
    visibility = forms.ChoiceField(
        label="Visibility",
        choices=_VISIBILITY,
        initial="public",
        widget=forms.RadioSelect,
        help_text="Only you (and your organization's members) see a private repository.",
    )

    def __init__(self, *args, owners: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(o, o) for o in owners]


class SignupForm(HubForm):
    username = forms.CharField(label="Username", max_length=42)
    email = forms.EmailField(label="Email", required=False)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput, strip=False
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The passwords differ")
        elif data.get("password"):
            try:
                password_validation.validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class TokenCreateForm(HubForm):
    """A read, write or fine-grained token; a fine-grained one names one repo or namespace
    here (the services take several)."""

    name = forms.CharField(label="Token name", max_length=100)
    role = forms.ChoiceField(
        label="Role",
        choices=[(r.value, r.label.capitalize()) for r in AccessToken.TokenRole],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=[
            ("", "Never"),
            ("7", "In 7 days"),
            ("30", "In 30 days"),
            ("90", "In 90 days"),
            ("365", "In a year"),
        ],  # fmt: skip
        coerce=int,
        empty_value=None,
        required=False,
    )
    scope_type = forms.ChoiceField(
        label="Fine-grained: scope",
        choices=[(kind, kind) for kind in ("model", "dataset", "space", "org", "user")],
        required=False,
    )
    scope_name = forms.CharField(
        label="Fine-grained: repo id or namespace", max_length=140, required=False,
        widget=forms.TextInput(attrs={"placeholder": "alice/my-model"}),
    )  # fmt: skip
    permissions = forms.MultipleChoiceField(
        label="Fine-grained: permissions",
        choices=[(p.value, p.value) for p in TokenGrant.Permission],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def scoped(self) -> list[dict] | None:
        """The fine-grained scope in the services' shape, for a fine-grained token only."""
        data = self.cleaned_data
        if data["role"] != AccessToken.TokenRole.FINE_GRAINED:
            return None
        entity = {"type": data["scope_type"], "name": data["scope_name"].strip()}
        return [{"entity": entity, "permissions": data["permissions"]}]


class OrgTokenPolicyForm(HubForm):
    token_max_days = forms.IntegerField(
        label="Longest token lifetime (days; empty: unlimited)", required=False, min_value=1
    )


class CommitFields(HubForm):
    summary = forms.CharField(label="Commit message", max_length=200, required=False)
    description = forms.CharField(
        label="Extended description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    create_pr = forms.BooleanField(label="Open as a pull request", required=False)
    parent_commit = forms.CharField(widget=forms.HiddenInput, required=False)


class EditFileForm(CommitFields):
    path = forms.CharField(label="File path", max_length=1024)
    content = forms.CharField(
        label="Content", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 24})
    )


class VisibilityForm(HubForm):
    visibility = forms.ChoiceField(
        label="Visibility", choices=_VISIBILITY, widget=forms.RadioSelect
    )


class MoveForm(HubForm):
    new_id = forms.CharField(label="New name (owner/name)", max_length=140)


class DeleteRepoForm(HubForm):
    confirm = forms.CharField(label="Type the repository's full name to confirm", max_length=140)


class OrgCreateForm(HubForm):
    name = forms.CharField(label="Organization name", max_length=42)
    fullname = forms.CharField(label="Full name", max_length=150, required=False)


class MemberForm(HubForm):
    username = forms.CharField(label="Username", max_length=150)
    role = forms.ChoiceField(label="Role", choices=[(r.value, r.label.title()) for r in Role])


class CommentForm(HubForm):
    comment = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 4}))


class DiscussionForm(HubForm):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
