from django.urls import path

from hostpanel.routing import views

app_name = "routing"

urlpatterns = [
    path("<str:domain_name>/forwards/", views.forwards, name="forwards"),
    path("<str:domain_name>/forwards/new/", views.forward_new, name="forward_new"),
    path("<str:domain_name>/forwards/catch-all/", views.catch_all, name="catch_all"),
    path("<str:domain_name>/forwards/<str:name>/edit/", views.forward_edit, name="forward_edit"),
    path("<str:domain_name>/forwards/<str:name>/delete/", views.forward_delete,
         name="forward_delete"),
    path("<str:domain_name>/autoresponders/", views.autoresponders, name="autoresponders"),
    path("<str:domain_name>/autoresponders/new/", views.autoresponder_new,
         name="autoresponder_new"),
    path("<str:domain_name>/autoresponders/<str:name>/edit/", views.autoresponder_edit,
         name="autoresponder_edit"),
    path("<str:domain_name>/autoresponders/<str:name>/delete/", views.autoresponder_delete,
         name="autoresponder_delete"),
    path("<str:domain_name>/queue/", views.mail_queue, name="queue"),
    path("<str:domain_name>/settings/", views.domain_settings, name="settings"),
    path("<str:domain_name>/settings/dkim/", views.dkim_create, name="dkim_create"),
]
