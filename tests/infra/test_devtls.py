"""The development certificate: made once, kept while valid, renewed before it expires."""

import datetime

from cryptography import x509

from hostpanel.lib import devtls


def test_it_keeps_a_certificate_that_is_still_valid(tmp_path):
    cert, key, written = devtls.ensure_certificate(tmp_path, "mail.test")
    assert written
    first = cert.read_bytes()
    assert devtls.ensure_certificate(tmp_path, "mail.test") == (cert, key, False)
    assert cert.read_bytes() == first


def test_it_names_the_host_and_the_loopback_addresses(tmp_path):
    cert, _key, _written = devtls.ensure_certificate(tmp_path, "mail.test")
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"mail.test", "localhost"}
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_it_renews_a_certificate_close_to_expiry(tmp_path):
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=devtls.VALID_DAYS - 10)
    cert_pem, key_pem = devtls.make_certificate("localhost", old)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)

    cert, _key, written = devtls.ensure_certificate(tmp_path, "localhost")

    assert written
    renewed = x509.load_pem_x509_certificate(cert.read_bytes())
    assert renewed.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        days=devtls.VALID_DAYS - 1
    )


def test_it_replaces_a_damaged_certificate(tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    cert, _key, written = devtls.ensure_certificate(tmp_path, "localhost")
    assert written
    x509.load_pem_x509_certificate(cert.read_bytes())
