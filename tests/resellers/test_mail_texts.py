"""Mail we write to people of a reseller's domains names the reseller's hosts, not ours.

What a person reads (the text, the From: line, the unsubscribe link) changes;
protocol fields (Reporting-MTA, HELO, Received) keep our own host name.
"""

from email import message_from_bytes, policy

from hostpanel.resellers import services
from mailcore import directory
from mailcore.queue import delivery
from tests.clamd import VIRUS_NAME
from tests.filters import messages
from tests.filters.conftest import clamd, quarantine_dir  # noqa: F401
from tests.lists_mail.conftest import _list_files, list_factory, mx, remote  # noqa: F401
from tests.lists_mail.helpers import deliver, sent_to
from tests.queue.helpers import enqueue, message, report_fields
from tests.resellers.conftest import OUR_HOSTNAME, PANEL_HOST, SMTP_HOST
from tests.routing.helpers import inbox
from tests.smtp.conftest import ca, client_tls_context, start_smtp, tls_files  # noqa: F401
from tests.submission.helpers import logged_in

REJECTED = "550 5.1.1 <bob@remote.test>: no such user here"


def _parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_the_directory_tells_a_resellers_domain_from_ours(shop, domain):
    brand = directory.brand_for_domain("SHOP.example")
    assert (brand.name, brand.smtp_host, brand.panel_host) == (
        "Bluebird Mail", SMTP_HOST, PANEL_HOST)
    assert directory.brand_for_domain("example.com") is None
    assert directory.brand_for_domain("not a domain") is None


def test_a_delivery_report_to_a_resellers_customer_names_its_mail_host(ann, remote):  # noqa: F811
    remote.answer_rcpt("bob@remote.test", REJECTED)
    queue_id = enqueue(message(sender="ann@shop.example"), sender="ann@shop.example",
                       domain="shop.example")

    delivery.attempt(queue_id)

    [stored] = inbox("ann@shop.example")
    dsn = _parse(stored)
    assert dsn["From"].addresses[0].addr_spec == f"MAILER-DAEMON@{SMTP_HOST}"
    text = next(part for part in dsn.walk() if part.get_content_type() == "text/plain")
    assert f"This is the mail system at {SMTP_HOST}." in text.get_content()
    assert OUR_HOSTNAME not in text.get_content()
    per_message, _ = report_fields(dsn)
    assert per_message["Reporting-MTA"] == f"dns; {OUR_HOSTNAME}"  # protocol: ours


def test_a_delivery_report_to_our_customer_names_our_host(jane, shop, remote):  # noqa: F811
    remote.answer_rcpt("bob@remote.test", REJECTED)
    delivery.attempt(enqueue(message()))
    [stored] = inbox("jane@example.com")
    assert _parse(stored)["From"].addresses[0].addr_spec == f"MAILER-DAEMON@{OUR_HOSTNAME}"


def test_the_virus_notice_to_a_resellers_customer_names_its_mail_host(
        start_smtp, clamd, quarantine_dir, ann, tls_files, client_tls_context):  # noqa: F811
    cert, key = tls_files
    server = start_smtp(clamd=clamd.setting, clamd_timeout=10, quarantine=quarantine_dir,
                        tls_cert=cert, tls_key=key)
    data = messages.eicar_attached(sender="ann@shop.example", to="x@remote.test",
                                   subject="Invoice")
    with logged_in(server, client_tls_context, login="ann@shop.example") as client:
        client.mail("ann@shop.example")
        client.rcpt("x@remote.test")
        code, _text = client.data(data)
    assert code == 554
    [notice] = inbox("ann@shop.example")
    notice = _parse(notice)
    assert notice["From"].addresses[0].addr_spec == f"MAILER-DAEMON@{SMTP_HOST}"
    assert VIRUS_NAME in notice.get_content()
    assert OUR_HOSTNAME not in notice.as_string().split("\n\n", 1)[1]


def test_a_list_of_a_resellers_domain_links_to_its_panel_host(
        mx, list_factory, remote, reseller, domain, client):  # noqa: F811
    services.assign_domain(reseller, domain)
    list_factory(posting="anyone", subscribers=["reader@remote.test"])
    deliver(mx, subject="Plans")
    [copy] = sent_to(remote, "reader@remote.test")
    link = copy["List-Unsubscribe"].split(",")[0].strip()[1:-1]
    assert link.startswith(f"https://{PANEL_HOST}/lists/unsubscribe/")
    page = client.get(link.removeprefix(f"https://{PANEL_HOST}"), HTTP_HOST=PANEL_HOST)
    assert page.status_code == 200
    assert "Bluebird Mail" in page.content.decode()
