import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify

from registry.models import Namespace, Repo, visible_in_namespaces

TITLE_MAX = 100
DESCRIPTION_MAX = 150  # the client's documented limits
NOTE_MAX = 500
PAPER_MAX = 500


def object_id() -> str:
    """24 hex digits, the form of the Hub's ids: the client splits a slug's id off at '-'."""
    return secrets.token_hex(12)


class Theme(models.TextChoices):
    ORANGE = "orange"
    BLUE = "blue"
    GREEN = "green"
    PURPLE = "purple"
    PINK = "pink"
    INDIGO = "indigo"


class CollectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CollectionQuerySet":
        """Who sees a collection: the repos' rule, `visible_in_namespaces`."""
        return visible_in_namespaces(self, user)


class Collection(models.Model):
    # The slug's tail: it stays when the title (and so the slug) changes.
    object_id = models.CharField(max_length=24, unique=True, default=object_id, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True)
    private = models.BooleanField(default=False)
    theme = models.CharField(max_length=6, choices=Theme.choices, default=Theme.INDIGO)
    # The owner's order of their collections (0 first).
    position = models.IntegerField(default=0)
    upvotes = models.IntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now_add=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        # One title per namespace, so `create_collection(exists_ok=True)` finds the existing one.
        constraints = [
            models.UniqueConstraint("namespace", Lower("title"), name="collection_title_unique")
        ]
        indexes = [models.Index(fields=["namespace", "position"])]

    @property
    def slug(self) -> str:
        return f"{self.namespace.name}/{slugify(self.title) or 'collection'}-{self.object_id}"

    def __str__(self) -> str:
        return self.slug


class CollectionItem(models.Model):
    class Kind(models.TextChoices):
        MODEL = "model"
        DATASET = "dataset"
        SPACE = "space"
        PAPER = "paper"
        COLLECTION = "collection"

    object_id = models.CharField(max_length=24, unique=True, default=object_id, editable=False)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Exactly one target, by kind: a repo (renames follow it, deleting it removes the item),
    # another collection, or a paper kept as a link (an arXiv id or an http(s) URL).
    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, null=True, related_name="+")
    target = models.ForeignKey(Collection, on_delete=models.CASCADE, null=True, related_name="+")
    paper = models.CharField(max_length=PAPER_MAX, blank=True)
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "collection",
                "repo",
                name="collection_item_repo_unique",
                condition=models.Q(repo__isnull=False),
            ),
            models.UniqueConstraint(
                "collection",
                "target",
                name="collection_item_target_unique",
                condition=models.Q(target__isnull=False),
            ),
            models.UniqueConstraint(
                "collection",
                "paper",
                name="collection_item_paper_unique",
                condition=models.Q(kind="paper"),
            ),
        ]
        indexes = [models.Index(fields=["collection", "position"])]

    @property
    def paper_url(self) -> str:
        if self.paper.startswith(("https://", "http://")):
            return self.paper
        return f"https://arxiv.org/abs/{self.paper}"
