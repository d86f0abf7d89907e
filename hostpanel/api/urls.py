from django.urls import path

from hostpanel.api import views

app_name = "apitokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<str:prefix>/revoke/", views.token_revoke, name="revoke"),
]
