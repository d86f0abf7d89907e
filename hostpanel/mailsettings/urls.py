from django.urls import path

from hostpanel.mailsettings import views

app_name = "mailsettings"

urlpatterns = [
    path("mail-settings/", views.mail_settings, name="page"),
    # Thunderbird asks autoconfig.<domain>/mail/..., then <domain>/.well-known/autoconfig/mail/...
    path("mail/config-v1.1.xml", views.autoconfig, name="autoconfig"),
    path(".well-known/autoconfig/mail/config-v1.1.xml", views.autoconfig,
         name="autoconfig_wellknown"),
    # Outlook asks <domain>/autodiscover/..., then autodiscover.<domain>/autodiscover/...,
    # spelling it either way.
    path("autodiscover/autodiscover.xml", views.autodiscover, name="autodiscover"),
    path("Autodiscover/Autodiscover.xml", views.autodiscover),
]
