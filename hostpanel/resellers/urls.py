from django.urls import path

from hostpanel.resellers import views

app_name = "resellers"

urlpatterns = [
    path("reseller/domains/new/", views.domain_new, name="domain_new"),
]
