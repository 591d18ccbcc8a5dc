from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        # The audit log's receivers of signing in and out, and of django-axes' lockouts.
        from axes.signals import user_locked_out

        from accounts import audit

        user_locked_out.connect(audit.locked_out, dispatch_uid="accounts.audit.locked_out")
