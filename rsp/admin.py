"""The programmes are data the national team keeps; cases are run in the app, not the admin."""

from django.contrib import admin

from rsp.models import Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "edition_code", "segment", "kind", "lead_kind")
