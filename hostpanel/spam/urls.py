from django.urls import path

from hostpanel.spam import views

app_name = "spam"

urlpatterns = [
    path("domains/<str:domain_name>/spam/", views.domain_spam, name="domain"),
    path("domains/<str:domain_name>/spam/caught/", views.caught, name="caught"),
    path("domains/<str:domain_name>/spam/caught/<int:entry_id>/not-spam/", views.not_spam,
         name="not_spam"),
    path("domains/<str:domain_name>/accounts/<str:name>/spam/", views.account_spam,
         name="account"),
    path("domains/<str:domain_name>/accounts/<str:name>/spam/reset/", views.account_reset,
         name="account_reset"),
    path("me/spam/", views.me_spam, name="me"),
    path("me/spam/reset/", views.me_reset, name="me_reset"),
]
