"""The OpenAPI document lists the forwards and autoresponders endpoints and account routing."""


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_lists_forwards_and_autoresponders(client, db):
    paths = _document(client)["paths"]
    for kind in ("forwards", "autoresponders"):
        assert set(paths[f"/api/v1/domains/{{domain}}/{kind}"]) == {"get", "post"}
        assert set(paths[f"/api/v1/domains/{{domain}}/{kind}/{{name}}"]) == {
            "get", "patch", "delete"}


def test_the_document_describes_the_bodies(client, db):
    schemas = _document(client)["components"]["schemas"]
    assert set(schemas["ForwardCreate"]["properties"]) == {"name", "targets"}
    assert set(schemas["ForwardUpdate"]["properties"]) == {"targets"}
    assert set(schemas["AutoresponderCreate"]["properties"]) == {
        "name", "copy_to", "subject", "message"}
    assert "routing" in schemas["AccountOut"]["properties"]
    assert "routing" in schemas["AccountUpdate"]["properties"]
    assert set(schemas["RoutingOut"]["properties"]) == {"mode", "forward_to", "save_copy",
                                                        "vacation"}
    assert set(schemas["VacationOut"]["properties"]) == {"enabled", "subject", "message",
                                                         "start", "end"}
    assert schemas["RoutingOut"]["properties"]["mode"]["enum"] == ["standard", "forward",
                                                                   "delete"]
