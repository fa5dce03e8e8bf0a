import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class Namespace(models.Model):
    """A name users and organizations share: `alice` and `acme` can never collide."""

    class Kind(models.TextChoices):
        USER = "user"
        ORG = "org"

    name = models.CharField(max_length=42)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="namespace_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    namespace = models.OneToOneField(
        Namespace, on_delete=models.PROTECT, null=True, related_name="user"
    )
    fullname = models.CharField(max_length=150, blank=True)

    @property
    def display_name(self) -> str:
        return self.fullname or self.username


class Organization(models.Model):
    namespace = models.OneToOneField(Namespace, on_delete=models.PROTECT, related_name="org")
    fullname = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def name(self) -> str:
        return self.namespace.name

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Membership(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=5, choices=Role.choices, default=Role.READ)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("org", "user", name="membership_unique")]


class AccessToken(models.Model):
    class TokenRole(models.TextChoices):
        READ = "read"
        WRITE = "write"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=5, choices=TokenRole.choices)
    # sha256 of the token: tokens carry 200 bits of randomness, so a fast hash is enough,
    # and the value itself is never stored.
    key_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def can_write(self) -> bool:
        return self.role == self.TokenRole.WRITE

    def __str__(self) -> str:
        return f"{self.name} (…{self.last_four})"
