from django.urls import path

from . import portal_views, views

manager_urlpatterns = [
    path("onboarding/", views.OnboardingListView.as_view(), name="onboarding"),
    path("onboarding/<int:pk>/", views.OnboardingPlanDetailView.as_view(), name="onboarding-plan"),
    path("onboarding/<int:pk>/nudge/", views.PlanNudgeView.as_view(), name="onboarding-nudge"),
    path("onboarding/steps/<int:pk>/complete/", views.StepCompleteView.as_view(), name="onboarding-step-complete"),
    path("onboarding/steps/<int:pk>/document/", views.StepDocumentView.as_view(), name="onboarding-step-document"),
    path("onboarding/templates/", views.TemplateListView.as_view(), name="onboarding-templates"),
    path("onboarding/templates/new/", views.TemplateCreateView.as_view(), name="onboarding-template-create"),
    path(
        "onboarding/templates/<int:pk>/steps/new/",
        views.TemplateStepCreateView.as_view(),
        name="onboarding-template-step-create",
    ),
    path(
        "onboarding/template-steps/<int:pk>/edit/",
        views.TemplateStepUpdateView.as_view(),
        name="onboarding-template-step-edit",
    ),
    path("enablement/", views.EnablementView.as_view(), name="enablement"),
    path("enablement/courses/new/", views.CourseCreateView.as_view(), name="course-create"),
    path("enablement/courses/<int:pk>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("enablement/courses/<int:pk>/edit/", views.CourseUpdateView.as_view(), name="course-edit"),
    path("enablement/courses/<int:pk>/modules/new/", views.ModuleCreateView.as_view(), name="course-module-create"),
    path(
        "enablement/courses/<int:pk>/questions/new/", views.QuestionCreateView.as_view(), name="course-question-create"
    ),
    path("enablement/modules/<int:pk>/edit/", views.ModuleUpdateView.as_view(), name="course-module-edit"),
    path("enablement/modules/<int:pk>/file/", views.ModuleFileView.as_view(), name="course-module-file"),
    path("resources/", views.ResourceListView.as_view(), name="resources"),
    path("resources/new/", views.ResourceCreateView.as_view(), name="resource-create"),
    path("resources/<int:pk>/edit/", views.ResourceUpdateView.as_view(), name="resource-edit"),
    path("resources/<int:pk>/download/", views.ResourceDownloadView.as_view(), name="resource-download"),
]

portal_urlpatterns = [
    path("onboarding/", portal_views.PortalOnboardingView.as_view(), name="onboarding"),
    path(
        "onboarding/steps/<int:pk>/complete/",
        portal_views.PortalStepCompleteView.as_view(),
        name="onboarding-step-complete",
    ),
    path(
        "onboarding/steps/<int:pk>/document/",
        portal_views.PortalStepDocumentView.as_view(),
        name="onboarding-step-document",
    ),
    path("training/", portal_views.PortalCourseListView.as_view(), name="courses"),
    path("training/<int:pk>/", portal_views.PortalCourseDetailView.as_view(), name="course-detail"),
    path("training/<int:pk>/enroll/", portal_views.PortalCourseEnrollView.as_view(), name="course-enroll"),
    path("training/<int:pk>/quiz/", portal_views.PortalCourseAttemptView.as_view(), name="course-attempt"),
    path("training/modules/<int:pk>/file/", portal_views.PortalModuleFileView.as_view(), name="course-module-file"),
    path("resources/", portal_views.PortalResourceListView.as_view(), name="resources"),
    path("resources/<int:pk>/download/", portal_views.PortalResourceDownloadView.as_view(), name="resource-download"),
]
