from django.urls import path

from prm.pages import coming_soon

manager_urlpatterns = [
    path(
        "onboarding/",
        coming_soon("Onboarding", "Onboarding plans and checklists for every new partner."),
        name="onboarding",
    ),
    path(
        "enablement/", coming_soon("Training", "Courses, certifications and the resource library."), name="enablement"
    ),
]
portal_urlpatterns = []
