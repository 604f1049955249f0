from django.urls import path

from prm.pages import coming_soon

manager_urlpatterns = [
    path("incentives/", coming_soon("Incentives", "Rebates, SPIFFs, accruals and payouts."), name="incentives"),
    path("mdf/", coming_soon("MDF", "Market development funds: requests and claims."), name="mdf"),
]
portal_urlpatterns = []
