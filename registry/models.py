import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


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
    # The token this user object came with (set by `AccessToken.bearer`), so the one
    # visibility rule and the permission module narrow everything to what it may reach.
    access_token: "AccessToken | None" = None
    # Raised to end every browser session of the user at its next request (`user_access_revoke`):
    # it is part of the session hash Django checks on each request.
    session_epoch = models.PositiveIntegerField(default=0)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        if self.session_epoch == 0:  # sessions from before the epoch existed stay valid
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "minihub.User.session_epoch"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def display_name(self) -> str:
        return self.fullname or self.username


class Organization(models.Model):
    namespace = models.OneToOneField(Namespace, on_delete=models.PROTECT, related_name="org")
    fullname = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # New repos of the org are private unless their creator asks for public ones.
    repos_private_by_default = models.BooleanField(default=False)
    # Scans must pass before a branch of the org's repos moves: every commit and push is
    # scanned before its ref moves, and one that would put an unsafe file on a branch is
    # refused (registry/services/scans.py `scans_gate`).
    scans_required = models.BooleanField(default=False)

    # Tokens that may live longer than this many days (or forever) do not reach the org.
    token_max_days = models.PositiveIntegerField(null=True, blank=True)

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

    # Granted by the identity provider's group mapping, which re-applies (and removes) it at
    # every sign-in; memberships given by hand are left alone.
    from_identity_provider = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("org", "user", name="membership_unique")]


class OidcIdentity(models.Model):
    """The account an identity provider's subject signs in to: a rename or a new email at the
    provider keeps the account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("issuer", "subject", name="oidc_identity_unique")]


class AccessToken(models.Model):
    class TokenRole(models.TextChoices):
        READ = "read"
        WRITE = "write"
        # Reaches only the repos and namespaces of its TokenGrant rows (the Hub's name).
        FINE_GRAINED = "fineGrained", "fine-grained"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=11, choices=TokenRole.choices)
    # sha256 of the token: tokens carry 200 bits of randomness, so a fast hash is enough,
    # and the value itself is never stored.
    key_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    @property
    def can_write(self) -> bool:
        """Whether it may write at all; a fine-grained token only where a grant says so."""
        return self.role != self.TokenRole.READ

    @property
    def fine_grained(self) -> bool:
        return self.role == self.TokenRole.FINE_GRAINED

    @property
    def lifetime_days(self) -> int | None:
        """Whole days from creation to expiry, rounded up; None for a token that never expires."""
        if self.expires_at is None:
            return None
        return -((self.created_at - self.expires_at) // timedelta(days=1))

    @property
    def bearer(self) -> User:
        """The token's user, carrying the token for the rules that narrow by it."""
        self.user.access_token = self
        return self.user

    def memberships_q(self) -> models.Q:
        """The memberships this token may use: none in an org whose maximum lifetime it
        exceeds."""
        days = self.lifetime_days
        allowed = models.Q(org__token_max_days__isnull=True)
        return allowed if days is None else allowed | models.Q(org__token_max_days__gte=days)

    def __str__(self) -> str:
        return f"{self.name} (…{self.last_four})"


def live_tokens() -> models.QuerySet:
    """Tokens neither revoked nor expired, of active users."""
    return AccessToken.objects.filter(
        models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()),
        revoked_at__isnull=True,
        user__is_active=True,
    )


def memberships_of(user) -> models.QuerySet:
    """`user`'s memberships, less those the token they came with may not use."""
    memberships = Membership.objects.filter(user=user)
    token = getattr(user, "access_token", None)
    return memberships if token is None else memberships.filter(token.memberships_q())


def visible_in_namespaces(
    queryset: models.QuerySet, user, *, granted: models.Q | None = None
) -> models.QuerySet:
    """The one rule for who sees a namespace's things (repos, collections): public ones, or
    private ones to the namespace's user, its organization's members, and admins. Rows need
    a `private` flag and a `namespace`."""
    if not getattr(user, "is_authenticated", False):
        return queryset.filter(private=False)
    visible = queryset
    if not user.is_superuser:
        member_of = memberships_of(user).values("org__namespace_id")
        visible = queryset.filter(
            models.Q(private=False)
            | models.Q(namespace_id=user.namespace_id)
            | models.Q(namespace_id__in=member_of)
        )
    token = user.access_token
    if token is None or not token.fine_grained:
        return visible
    # A fine-grained token sees private things only where one of its grants names them
    # (`granted` adds the grants on single rows, for repos).
    grants = TokenGrant.objects.filter(token=token)
    reach = models.Q(namespace_id__in=grants.values("namespace_id")) | (granted or models.Q())
    return visible.filter(models.Q(private=False) | reach)


class RepoQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RepoQuerySet":
        """Who sees a repo: `visible_in_namespaces`, repo grants of a fine-grained token too."""
        token = getattr(user, "access_token", None)
        granted = None
        if token is not None and token.fine_grained:
            granted = models.Q(pk__in=TokenGrant.objects.filter(token=token).values("repo_id"))
        return visible_in_namespaces(self, user, granted=granted)


class Repo(models.Model):
    class Type(models.TextChoices):
        MODEL = "model"
        DATASET = "dataset"
        SPACE = "space"

    # Git storage is addressed by this id, never by the name: renames are a row update.
    storage_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="repos")
    name = models.CharField(max_length=96)
    type = models.CharField(max_length=7, choices=Type.choices)
    private = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now_add=True)
    gated = models.CharField(
        max_length=6, blank=True, choices=[("auto", "auto"), ("manual", "manual")]
    )
    # A cache of what git says at the default branch's head, for listings and search;
    # `manage.py reindex` rebuilds it from the repositories.
    head_sha = models.CharField(max_length=40, blank=True)
    card_data = models.JSONField(default=dict, blank=True)
    pipeline_tag = models.CharField(max_length=100, blank=True, db_index=True)
    library_name = models.CharField(max_length=100, blank=True, db_index=True)
    downloads = models.BigIntegerField(default=0)
    likes = models.IntegerField(default=0)
    trending_score = models.FloatField(default=0)
    # Moved whenever an app changes what the repo's info answer shows beyond its commit (a
    # signature verdict, an import's source): answers cached under it are then not served.
    # A database default too: rows written by code from before the column (a rolling
    # deploy, a migration test's historical models) still insert.
    info_version = models.PositiveIntegerField(default=0, db_default=0)

    objects = RepoQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("namespace", Lower("name"), "type", name="repo_name_ci_unique")
        ]
        # One per sort order: a listing walks the index in order and stops after a page,
        # instead of sorting every repo of the type.
        indexes = [
            models.Index(fields=["type", f"-{field}", "-id"], name=f"repo_{field}_order")
            for field in ("trending_score", "downloads", "likes", "last_modified", "created_at")
        ]

    @property
    def repo_id(self) -> str:
        return f"{self.namespace.name}/{self.name}"

    @property
    def url_prefix(self) -> str:
        """The web-route prefix the clients use: none for models."""
        return "" if self.type == self.Type.MODEL else f"{self.type}s/"

    def __str__(self) -> str:
        return f"{self.type}:{self.repo_id}"


class TokenGrant(models.Model):
    """One permission a fine-grained token holds on a repo or on a whole namespace (its
    repos, present and future); it never exceeds what the token's user may do."""

    class Permission(models.TextChoices):
        # The Hub's fine-grained permission names, as whoami reports them.
        CONTENT_READ = "repo.content.read"
        WRITE = "repo.write"
        DISCUSSION_WRITE = "discussion.write"

    token = models.ForeignKey(AccessToken, on_delete=models.CASCADE, related_name="grants")
    repo = models.ForeignKey("Repo", on_delete=models.CASCADE, null=True, related_name="+")
    namespace = models.ForeignKey(
        Namespace, on_delete=models.CASCADE, null=True, related_name="token_grants"
    )
    permission = models.CharField(max_length=20, choices=Permission.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(repo__isnull=True) ^ models.Q(namespace__isnull=True),
                name="token_grant_one_target",
            ),
            models.UniqueConstraint(
                "token", "repo", "namespace", "permission", name="token_grant_unique"
            ),
        ]


class LfsObject(models.Model):
    """An LFS object a repo may reference: its bytes were uploaded to, or proven for, it."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="lfs_objects")
    oid = models.CharField(max_length=64)
    size = models.BigIntegerField()
    # Files the hub derives and commits itself (the viewer's Parquet shards on
    # refs/convert/parquet) are not the namespace's uploads: its storage quota skips them.
    quota_exempt = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("repo", "oid", name="lfs_object_unique")]
        indexes = [models.Index(fields=["oid"])]


class RepoTag(models.Model):
    """One row per (repo, tag): tag filters become indexed joins on every database."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="tag_rows")
    tag = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint("repo", "tag", name="repo_tag_unique")]
        indexes = [models.Index(fields=["tag"])]


class RepoRedirect(models.Model):
    """An old name of a moved repo; requests to it are redirected, as on the Hub."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="redirects")
    type = models.CharField(max_length=7, choices=Repo.Type.choices)
    namespace_name = models.CharField(max_length=42)
    name = models.CharField(max_length=96)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "type", Lower("namespace_name"), Lower("name"), name="repo_redirect_unique"
            )
        ]


class Like(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="likes")
    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="like_rows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("user", "repo", name="like_unique")]


class DownloadDay(models.Model):
    """Downloads per repo per day, behind the trending score."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="download_days")
    day = models.DateField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint("repo", "day", name="download_day_unique")]


class Discussion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        CLOSED = "closed"
        MERGED = "merged"

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="discussions")
    num = models.IntegerField()
    title = models.CharField(max_length=200)
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    is_pull_request = models.BooleanField(default=False)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    # For pull requests: the branch it targets; its commits live on refs/pr/<num>.
    target_branch = models.CharField(max_length=255, blank=True)
    merge_commit = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("repo", "num", name="discussion_num_unique")]

    @property
    def git_ref(self) -> str:
        return f"refs/pr/{self.num}"


class DiscussionEvent(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment"
        STATUS = "status-change"
        COMMIT = "commit"
        TITLE = "title-change"

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=13, choices=Kind.choices)
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)


class DownloadWindow(models.Model):
    """When a client's download of a repo was last counted: the next counts 5 minutes later."""

    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="+")
    client = models.CharField(max_length=64)
    counted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("repo", "client", name="download_window_unique")]
        indexes = [models.Index(fields=["counted_at"])]


class AccessRequest(models.Model):
    """A user's access to a gated repo: asked for (with the card's form answers) or granted."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    # The client's `request_id`: opaque, so request ids do not count a repo's requests.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    repo = models.ForeignKey(Repo, on_delete=models.CASCADE, related_name="access_requests")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_requests")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    fields = models.JSONField(default=dict, blank=True)  # answers to `extra_gated_fields`
    # The address the user agreed to share when asking; empty for access granted unasked.
    email = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=200, blank=True)  # why it was rejected
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint("repo", "user", name="access_request_unique")]
        indexes = [models.Index(fields=["repo", "status", "created_at"])]


class RepoPlacement(models.Model):
    """The storage root holding a repository's git directory (no row: the default root).

    Keyed by storage id, not by repo: a repository is placed before its row exists.
    """

    storage_id = models.CharField(max_length=36, unique=True)
    root = models.CharField(max_length=64)


class FileScan(models.Model):
    """A scanner's verdict on some bytes read under a scan profile (registry/scanning): one
    row per distinct content, shared by every repo, path and commit that holds it. A file
    without a row is still queued."""

    # "sha256:<oid>" for LFS objects, "git:<blob sha1>" for files stored in git.
    content_id = models.CharField(max_length=72)
    profile = models.CharField(max_length=12)
    kind = models.CharField(max_length=12)
    status = models.CharField(max_length=8)  # the Hub's: safe, caution, unsafe, error
    level = models.CharField(max_length=10)  # innocuous, suspicious, dangerous
    imports = models.JSONField(default=list, blank=True)  # [{module, name, safety}]
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("content_id", "profile", name="file_scan_unique")]

    @property
    def refused(self) -> bool:
        """Whether the hub's own workers may not load these bytes: dangerous imports, or a
        pickle the scanner could not read to its end. A malformed safetensors or GGUF header
        is reported, but its loader refuses it without running anything."""
        return self.status == "unsafe" or (
            self.status == "error" and self.kind in ("pickle", "zip", "npy")
        )
