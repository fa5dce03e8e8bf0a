from django import forms

from webhooks.models import WatchedItem, Webhook

WATCHED_HELP = (
    "One per line: a type (user, org, model, dataset or space) and a name, "
    "e.g. “org acme” or “model alice/bert”."
)


class WebhookForm(forms.Form):
    url = forms.CharField(label="Target URL", max_length=2000)
    watched = forms.CharField(
        label="Watched", widget=forms.Textarea(attrs={"rows": 3}), help_text=WATCHED_HELP
    )
    domains = forms.MultipleChoiceField(
        label="Events",
        choices=[(Webhook.Domain.REPO, "Repo changes"), (Webhook.Domain.DISCUSSION, "Community")],
        widget=forms.CheckboxSelectMultiple,
        initial=list(Webhook.Domain.values),
    )
    secret = forms.CharField(label="Secret", required=False, max_length=200)

    def clean_watched(self) -> list[dict]:
        items = []
        for line in self.cleaned_data["watched"].splitlines():
            if not line.strip():
                continue
            kind, _, name = line.strip().partition(" ")
            if kind not in WatchedItem.Type.values or not name.strip():
                raise forms.ValidationError(f"“{line.strip()}”: {WATCHED_HELP}")
            items.append({"type": kind, "name": name.strip()})
        return items

    def body(self) -> dict:
        """The form as the API's JSON body, so both go through the same service."""
        return {key: self.cleaned_data[key] for key in ("url", "watched", "domains", "secret")}
