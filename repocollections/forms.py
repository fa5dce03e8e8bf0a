from django import forms

from repocollections.models import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, CollectionItem, Theme


class CollectionForm(forms.Form):
    namespace = forms.ChoiceField(label="Owner")
    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    private = forms.BooleanField(
        required=False, help_text="Only you and your organization's members see it."
    )

    def __init__(self, *args, namespaces: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["namespace"].choices = [(name, name) for name in namespaces]


class SettingsForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    theme = forms.ChoiceField(choices=Theme.choices)
    private = forms.BooleanField(required=False)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=CollectionItem.Kind.choices)
    item_id = forms.CharField(
        label="Item",
        max_length=500,
        help_text="A repo id (namespace/name), an arXiv id or paper link, or a collection slug.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "namespace/name"}),
    )
    note = forms.CharField(
        required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_MAX)
