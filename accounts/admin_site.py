"""The admin site, kept for national admins who are staff (the programmes of rsp.admin, and
django-axes' record of failed sign-ins, where a lockout can be lifted early).

Everything else is edited in the service itself. Its sign-in goes through the same
authentication backends as the service's, so django-axes throttles it the same way.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


def is_national_admin(user: object) -> bool:
    # Imported here: this module is named in INSTALLED_APPS, loaded before the models are.
    from accounts.models import RoleAssignment, User
    from accounts.roles import Role

    return isinstance(user, User) and (
        RoleAssignment.objects.filter(
            user=user, role=Role.NATIONAL_ADMIN, region=None, system=None, organisation=None
        ).exists()
    )


class NationalAdminSite(AdminSite):
    site_header = "Oversight administration"
    site_title = "Oversight administration"

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff who hold the national admin role; staff status alone is not enough."""
        user = request.user
        return bool(user.is_active and user.is_staff and is_national_admin(user))


class NationalAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.NationalAdminSite"
