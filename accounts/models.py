"""Users, their role assignments and the object-permission tables behind scopes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.roles import Level, Role
from oversight.models import Organisation, Region, System


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """Emails are stored in lower case; people type them as they like."""
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or a trust's system, through its API token) who signs in with an email."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RoleAssignment(models.Model):
    """A role held over one node (none of the three set means the whole of England)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True)
    system = models.ForeignKey(System, on_delete=models.CASCADE, null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="at_most_one_scope_node",
                condition=(
                    Q(region__isnull=True, system__isnull=True)
                    | Q(region__isnull=True, organisation__isnull=True)
                    | Q(system__isnull=True, organisation__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_name}"

    @property
    def node(self) -> Region | System | Organisation | None:
        return self.region or self.system or self.organisation

    @property
    def level(self) -> Level:
        if self.region_id:
            return Level.REGION
        if self.system_id:
            return Level.SYSTEM
        if self.organisation_id:
            return Level.ORGANISATION
        return Level.NATIONAL

    @property
    def scope_name(self) -> str:
        node = self.node
        return node.name if node is not None else "England"


class AuditEvent(models.Model):
    """Who changed the registry or someone's access, when, and what changed: the audit record
    of every write that has no history of its own (returns, catalogue and segmentation keep
    theirs)."""

    class Action(models.TextChoices):
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REVOKED = "role_revoked", "Role revoked"
        SECTOR_CHANGED = "sector_changed", "Sector changed"
        PERIODS_CREATED = "periods_created", "Quarters created"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REVOKED = "token_revoked", "API token revoked"

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="The user whose access changed",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``), for a trust's system or a script.

    Only the SHA-256 digest of the key is stored: the key is shown once, when issued, and a
    copy of the database signs no one in. ``prefix`` is the key's first characters, stored
    plainly to find the row and to name the token on pages. Keys are 240 random bits, so a
    fast digest is enough (a slow password hash would only slow every API call).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=8, unique=True)
    digest = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        return "Expired" if self.expires_at <= now else "Active"


class SignInIdentity(models.Model):
    """A user's account at an OpenID Connect provider: (issuer, subject) is the key that signs
    them in by single sign-on (accounts.sso); the email is never the key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="one_subject_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


# Direct foreign-key object permissions (django-guardian): one indexed table per scope node,
# so "which organisations may this user see" is a join, not a generic-relation scan.
class RegionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)


class RegionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)


class SystemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(System, on_delete=models.CASCADE)


class SystemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(System, on_delete=models.CASCADE)


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)
