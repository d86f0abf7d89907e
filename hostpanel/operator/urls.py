from django.urls import path

from hostpanel.operator import views

urlpatterns = [
    path("status/", views.status, name="status"),
]
