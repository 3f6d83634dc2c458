from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from modeltranslation.admin import TranslationAdmin

from identity.models import (
    ApplicantProfile,
    AuditEntry,
    ReceptionHours,
    StaffAccessLog,
    TerritorialUnit,
    User,
)


class StaffOTPAdminSite(OTPAdminSite):
    """Django admin only for staff whose session passed the second factor (django-otp).

    Signing in happens on our own sign-in page, which counts failures (django-axes) and asks for the code.
    """

    site_header = _("OCMA e-service administration")
    site_title = _("OCMA e-service administration")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


# Every ModelAdmin registered on the default site (ours and other apps') is guarded by the OTP check.
admin.site.__class__ = StaffOTPAdminSite
admin.site.site_header = StaffOTPAdminSite.site_header
admin.site.site_title = StaffOTPAdminSite.site_title


class ReceptionHoursInline(admin.TabularInline):
    model = ReceptionHours
    extra = 0


@admin.register(TerritorialUnit)
class TerritorialUnitAdmin(TranslationAdmin):
    list_display = (
        "name",
        "kind",
        "parent",
        "phone",
        "email",
        "handles_residence_permits",
        "is_active",
        "to_be_verified",
    )
    list_select_related = ("parent",)
    list_filter = ("kind", "handles_residence_permits", "is_active", "to_be_verified")
    search_fields = ("name", "code", "address")
    inlines = [ReceptionHoursInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "role", "unit", "is_active", "email_verified_at")
    list_select_related = ("unit",)
    list_filter = ("role", "unit", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "preferred_language")}),
        (_("Role"), {"fields": ("role", "unit", "position", "work_phone")}),
        (
            _("Status"),
            {"fields": ("is_active", "is_staff", "is_superuser", "email_verified_at", "date_joined")},
        ),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "unit", "password1", "password2")}),
    )
    readonly_fields = ("date_joined",)
    filter_horizontal = ()


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "nationality")
    search_fields = ("user__email", "last_name")
    raw_id_fields = ("user",)


@admin.register(StaffAccessLog)
class StaffAccessLogAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "staff", "role", "unit", "applicant", "object_type", "object_id", "reason")
    list_filter = ("role", "unit")
    list_select_related = ("staff", "unit", "applicant")

    # The access log is evidence: nobody edits or deletes it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """What the system did to personal data (closing, retention, exports): read-only evidence."""

    list_display = ("created_at", "action", "subject_id", "actor")
    list_filter = ("action",)
    search_fields = ("=subject_id",)
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
