from django.urls import path

from hostpanel.domains import views

app_name = "domains"

urlpatterns = [
    path("<str:domain_name>/accounts/", views.accounts, name="accounts"),
    path("<str:domain_name>/accounts/new/", views.account_new, name="account_new"),
    # edit/ keeps an account named "new" reachable (the forwards pages do the same).
    path("<str:domain_name>/accounts/<str:name>/edit/", views.account_edit, name="account_edit"),
    path("<str:domain_name>/accounts/<str:name>/delete/", views.account_delete,
         name="account_delete"),
]
