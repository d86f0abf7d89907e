from django.urls import path

from hostpanel.quarantine import views

app_name = "quarantine"

urlpatterns = [
    path("<str:domain_name>/quarantine/", views.quarantine, name="list"),
    path("<str:domain_name>/quarantine/<int:entry_id>/download/", views.download,
         name="download"),
    path("<str:domain_name>/quarantine/<int:entry_id>/delete/", views.delete, name="delete"),
]
