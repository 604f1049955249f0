from django.contrib import admin

from prm.admin import ReadOnlyAdmin

from . import models


class QuizChoiceInline(admin.TabularInline):
    model = models.QuizChoice
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.OnboardingTemplate)
class OnboardingTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "partner_type", "updated_at")


@admin.register(models.OnboardingPlan)
class OnboardingPlanAdmin(ReadOnlyAdmin):
    list_display = ("partner", "progress_percent", "completed_at", "stuck_since")
    raw_id_fields = ("partner",)


@admin.register(models.Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ("title", "published", "pass_mark_percent", "validity_months")


@admin.register(models.QuizQuestion)
class QuizQuestionAdmin(ReadOnlyAdmin):
    list_display = ("text", "course", "order")
    list_filter = ("course",)
    inlines = [QuizChoiceInline]


@admin.register(models.Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "course", "issued_on", "expires_on")
    raw_id_fields = ("user", "partner")


@admin.register(models.Resource)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ("title", "category", "updated_at")
    search_fields = ("title",)
