from django.urls import path

from hostpanel.help import views

app_name = "help"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.topic, name="topic"),
]
