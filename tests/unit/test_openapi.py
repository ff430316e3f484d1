"""/api/openapi.json is a valid OpenAPI 3.1 document covering every public endpoint."""

from __future__ import annotations

from openapi_spec_validator import validate

from app.tracking import schemas


def test_the_document_is_valid_openapi(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_public_endpoint_is_documented(app, client):
    documented = set(client.get("/api/openapi.json").get_json()["paths"])
    public = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("tracking", "public_booking", "api"):
            path = str(rule).replace("<", "{").replace(">", "}")
            for converter in ("int:", "path:"):
                path = path.replace("{" + converter, "{")
            public.add(path)
    missing = {p for p in public if p not in documented and not p.endswith(("/thanks", "/joined"))}
    missing -= {p for p in public if "/booked/" in p}  # the confirmation page after a booking
    assert not missing, f"public endpoints missing from the OpenAPI document: {sorted(missing)}"


def test_the_published_schema_is_the_enforced_one(client):
    components = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert components["CollectBatch"] == schemas.COLLECT
    assert components["Call"] == schemas.CALL
