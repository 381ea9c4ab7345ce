from django.contrib import admin

from governance.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "kind", "is_sponsor", "is_member", "member_since"]
    list_filter = ["kind", "is_sponsor", "is_member"]
    search_fields = ["code", "name_en", "name_fr", "name_nl", "name_de"]
