import json


def test_the_openapi_document_lists_the_account_paths(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths["/api/v1/domains/{domain}/accounts"]) == {"get", "post"}
    assert set(paths["/api/v1/domains/{domain}/accounts/{name}"]) == {"get", "patch", "delete"}
    schemes = document["components"]["securitySchemes"]
    assert {scheme["scheme"] for scheme in schemes.values()} == {"basic", "bearer"}


def test_the_password_is_write_only_in_the_document(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "password" in schemas["AccountCreate"]["properties"]
    assert "password" not in schemas["AccountOut"]["properties"]


def test_the_docs_page_loads_nothing_from_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200
