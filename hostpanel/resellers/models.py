"""Resellers: a brand with its own host names, its logins and the domains it owns.

The links to accounts and domains are tables of this app (``ResellerLogin``,
``ResellerDomain``), so that the directory's models stay as they are: a domain
without a link is the operator's, an account without a domain and without a
login link is an operator's staff account.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostpanel.domains.models import Domain


class Reseller(models.Model):
    name = models.CharField(
        _("brand name"), max_length=100,
        help_text=_("Shown to the reseller's customers in place of ours."))
    panel_host = models.CharField(
        _("panel host name"), max_length=253, unique=True,
        help_text=_("The host name the reseller's customers reach the panel at, "
                    "such as panel.reseller.example (no https://)."))
    pop3_host = models.CharField(
        _("POP3 host name"), max_length=253,
        help_text=_("Incoming mail server shown to the reseller's customers."))
    smtp_host = models.CharField(
        _("SMTP host name"), max_length=253,
        help_text=_("Outgoing mail server shown to the reseller's customers."))
    support_address = models.EmailField(_("support address"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reseller")
        verbose_name_plural = _("resellers")

    def __str__(self):
        return self.name


class ResellerLogin(models.Model):
    """An account without a domain that logs in as the reseller."""

    reseller = models.ForeignKey(Reseller, verbose_name=_("reseller"),
                                 on_delete=models.CASCADE, related_name="logins")
    account = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("login"),
                                   on_delete=models.CASCADE, related_name="reseller_login")

    class Meta:
        ordering = ["account__username"]
        verbose_name = _("reseller login")
        verbose_name_plural = _("reseller logins")

    def __str__(self):
        return str(self.account)


class ResellerDomain(models.Model):
    """A domain the reseller owns; a domain has at most one reseller."""

    reseller = models.ForeignKey(Reseller, verbose_name=_("reseller"),
                                 on_delete=models.CASCADE, related_name="domain_links")
    domain = models.OneToOneField(Domain, verbose_name=_("domain"),
                                  on_delete=models.CASCADE, related_name="reseller_link")

    class Meta:
        ordering = ["domain__name"]
        verbose_name = _("reseller's domain")
        verbose_name_plural = _("reseller's domains")

    def __str__(self):
        return str(self.domain)
