import re

from hostpanel.api.models import ApiToken


def _create(client, name="backup script"):
    page = client.post("/api-tokens/", {"name": name}).content.decode()
    match = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page)
    return page, match.group(1) if match else None


def test_a_postmaster_creates_a_token_that_is_shown_once(as_postmaster, postmaster):
    page, token = _create(as_postmaster)
    assert token and token.startswith("hp_")
    row = ApiToken.objects.get(account=postmaster)
    assert row.name == "backup script" and token.split("_")[1] == row.prefix
    assert token not in row.digest

    listing = as_postmaster.get("/api-tokens/").content.decode()
    assert token not in listing
    assert row.prefix in listing and "backup script" in listing
    assert "no-store" in as_postmaster.get("/api-tokens/")["Cache-Control"]


def test_the_api_accepts_the_new_token(as_postmaster, client):
    _page, token = _create(as_postmaster)
    response = client.get("/api/v1/domains/example.com/accounts",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_a_postmaster_revokes_a_token(as_postmaster, postmaster):
    _create(as_postmaster)
    prefix = ApiToken.objects.get().prefix
    asked = as_postmaster.post(f"/api-tokens/{prefix}/revoke/").content.decode()
    assert f"The token {prefix} stops working for good as soon as you confirm." in asked
    assert 'href="/api-tokens/"' in asked and ApiToken.objects.exists()
    response = as_postmaster.post(f"/api-tokens/{prefix}/revoke/", {"confirmed": "yes"},
                                  follow=True)
    assert f"The token {prefix} was revoked." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_needs_a_post_and_only_reaches_ones_own_tokens(client, postmaster,
                                                                 other_postmaster):
    from hostpanel.api.tokens import create_token

    row, _token = create_token(postmaster, "mine")
    client.force_login(postmaster)
    assert client.get(f"/api-tokens/{row.prefix}/revoke/").status_code == 405
    client.force_login(other_postmaster)
    assert client.post(f"/api-tokens/{row.prefix}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=row.pk).exists()
    assert row.prefix not in client.get("/api-tokens/").content.decode()


def test_a_mail_user_has_no_token_page(client, jane):
    client.force_login(jane)
    assert client.get("/api-tokens/").status_code == 404
    assert client.post("/api-tokens/", {"name": "x"}).status_code == 404


def test_the_token_list_is_searched_and_paged(as_postmaster, postmaster):
    from hostpanel.api.tokens import create_token

    for number in range(26):
        create_token(postmaster, f"script {number}")
    create_token(postmaster, "Backup job")
    page = as_postmaster.get("/api-tokens/").content.decode()
    assert 'name="q"' in page and "Page 1 of 2" in page
    assert "Page 2 of 2" in as_postmaster.get("/api-tokens/?page=2").content.decode()
    found = as_postmaster.get("/api-tokens/?q=backup").content.decode()
    assert "<td>Backup job</td>" in found and "<td>script 1</td>" not in found
    assert "No token name or prefix contains “nothing”." in as_postmaster.get(
        "/api-tokens/?q=nothing").content.decode()
