"""Sign-in pages: allauth's login, logout and inactive-account views, nothing else.

The rest of allauth's pages (sign-up, e-mail addresses, password reset by
e-mail) make no sense for mailboxes created by a postmaster, so they are not
mounted at all.
"""

from allauth.account import views as allauth_views
from django.urls import path

from hostpanel.signin import language, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", allauth_views.login, name="account_login"),
    path("accounts/logout/", allauth_views.logout, name="account_logout"),
    path("accounts/inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("language/", language.set_language, name="set_language"),
]
