"""Sign-in pages: allauth's login, logout and inactive-account views, nothing else.

The rest of allauth's pages (sign-up, e-mail addresses, password reset by
e-mail) make no sense for mailboxes created by a postmaster, so they are not
mounted at all.
"""

from allauth.account import views as allauth_views
from django.urls import include, path

from hostpanel.signin import language, sessions, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", allauth_views.login, name="account_login"),
    path("accounts/logout/", allauth_views.logout, name="account_logout"),
    path("accounts/inactive/", allauth_views.account_inactive, name="account_inactive"),
    # Asked again for the password before two-factor settings change (allauth's rule).
    path("accounts/reauthenticate/", allauth_views.reauthenticate,
         name="account_reauthenticate"),
    # Two-factor sign-in (TOTP, recovery codes) and the "Sessions" page.
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/sessions/", sessions.session_list, name="usersessions_list"),
    path("accounts/sessions/<int:pk>/end/", sessions.end_session, name="usersessions_end"),
    path("accounts/sessions/end-others/", sessions.end_other_sessions,
         name="usersessions_end_others"),
    path("language/", language.set_language, name="set_language"),
]
