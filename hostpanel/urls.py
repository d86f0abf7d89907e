from django.contrib import admin
from django.urls import include, path

from hostpanel.api.api import api
from hostpanel.domains import views as domain_views

urlpatterns = [
    path("", include("hostpanel.signin.urls")),
    path("me/", domain_views.me, name="me"),
    path("", include("hostpanel.operator.urls")),
    path("domains/", include("hostpanel.domains.urls")),
    path("domains/", include("hostpanel.routing.urls")),
    path("domains/", include("hostpanel.quarantine.urls")),
    path("domains/", include("hostpanel.dashboard.urls")),
    path("", include("hostpanel.spam.urls")),
    path("", include("hostpanel.lists.urls")),
    path("", include("hostpanel.mailsettings.urls")),
    path("webmail/", include("hostpanel.webmail.urls")),
    path("api-tokens/", include("hostpanel.api.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("help/", include("hostpanel.help.urls")),
    path("demo/", include("hostpanel.demo.urls")),
    path("", include("hostpanel.resellers.urls")),
]
