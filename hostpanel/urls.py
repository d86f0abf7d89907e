from django.contrib import admin
from django.urls import include, path

from hostpanel.api.api import api
from hostpanel.domains import views as domain_views
from hostpanel.quarantine import views as quarantine_views

urlpatterns = [
    path("", include("hostpanel.signin.urls")),
    path("me/", domain_views.me, name="me"),
    path("status/", quarantine_views.status, name="status"),
    path("domains/", include("hostpanel.domains.urls")),
    path("domains/", include("hostpanel.routing.urls")),
    path("domains/", include("hostpanel.quarantine.urls")),
    path("", include("hostpanel.spam.urls")),
    path("", include("hostpanel.lists.urls")),
    path("", include("hostpanel.mailsettings.urls")),
    path("api-tokens/", include("hostpanel.api.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
