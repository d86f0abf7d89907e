from django.urls import path

from hostpanel.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("<str:domain_name>/", views.dashboard, name="domain"),
]
