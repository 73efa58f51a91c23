"""The OpenAPI document is valid, names every address the application answers, and every
answer — to good requests and to garbage in each parameter — has a status, a media type and
(for JSON) a body that the document declares."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import jsonschema
import pytest
from openapi_spec_validator import validate

SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
GARBAGE = ["", "x", "-1", "0", "(", '"', "\x00", "9" * 30, "2021-02-30", "published:[x TO y]", "%ZZ", "\u1780\u17d2"]
# An export answers with its whole result set: a query naming a few articles keeps each of the
# thousand garbage requests small without changing how the garbage parameter is read.
NARROWING = {"/export.csv": {"q": "defamation"}, "/export.jsonl": {"q": "defamation"}}
GOOD = {
    "/search": [
        "q=rice&section=national&sort=newest",
        "q=defamation&histogram=month&normalise=1",
        "page=3&size=7",
        "q=tag:defamation&not-year=2024&more=author",
        'q="rice exports" OR court&sort=most-viewed',
    ],
    "/": [""],
    "/export.csv": ["q=court&page=2"],
    "/export.jsonl": ["q=defamation"],
    "/article": [f"url={quote(SEED)}", f"url={quote(SEED + '/?utm_source=x')}"],
    "/article/cite.{style}": [f"url={quote(SEED)}"],
    "/most-viewed": ["", "at=2026-11-01T06:00:00", "at=2026-11-01T06:00:00%2B07:00"],
    "/most-viewed/leaderboard": ["", "from=2026-01-01&to=2026-12-31"],
    "/about": [""],
    "/status": [""],
    "/openapi.json": [""],
    "/capture/{capture_id}": [""],
    "/replay/{timestamp}/{address}": [""],
}


@pytest.fixture(scope="module")
def document(client) -> dict:
    return client.get("/openapi.json").get_json()


@pytest.fixture(scope="module")
def path_values(client) -> dict[str, list[str]]:
    capture = client.get(f"/article.json?url={quote(SEED)}").get_json()["captures"][0]
    return {
        "capture_id": [str(capture["id"])],
        "style": ["ris", "bib", "json"],
        "timestamp": ["2030", "20161103102233"],
        "address": [capture["url"]],
    }


def test_the_document_is_valid_openapi(document):
    validate(document)


def openapi_form(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_address_the_application_answers_is_documented(web_app, document):
    answered = {openapi_form(rule.rule) for rule in web_app.url_map.iter_rules() if rule.endpoint != "static"}
    assert answered == set(document["paths"])


def addresses(path: str, values: dict[str, list[str]]) -> list[str]:
    found = [path]
    for name, choices in values.items():
        if f"{{{name}}}" in path:
            found = [done.replace(f"{{{name}}}", choice) for done in found for choice in choices]
    return found


def check_answer(document: dict, path: str, response) -> None:
    declared = document["paths"][path]["get"]["responses"]
    response.get_data()  # the whole answer, streamed ones too
    response.close()
    code = str(response.status_code)
    assert code in declared, f"{path}: status {code} is not declared ({response.get_data(as_text=True)[:200]})"
    media = declared[code].get("content", {})
    assert response.mimetype in media, f"{path}: {response.mimetype} for {code} is not declared"
    if response.mimetype == "application/json":
        schema = {"components": document["components"]} | media["application/json"]["schema"]
        jsonschema.validate(response.get_json(), schema, cls=jsonschema.Draft202012Validator)
    if code == "503":
        assert int(response.headers["Retry-After"]) > 0


def documented(document: dict) -> list[str]:
    return sorted(document["paths"])


def test_good_requests_get_what_the_document_says(client, document, path_values):
    for path in documented(document):
        base = path.removesuffix(".json") if path.endswith(".json") and path != "/openapi.json" else path
        base = "/" if base == "/index" else base
        for query in GOOD[base]:
            for address in addresses(path, path_values):
                response = client.get(address + ("?" + query if query else ""))
                assert response.status_code == 200, (address, query, response.get_data(as_text=True)[:300])
                check_answer(document, path, response)


def test_garbage_in_any_parameter_gets_a_declared_4xx_or_an_answer(client, document, path_values):
    for path in documented(document):
        operation = document["paths"][path]["get"]
        for parameter in operation["parameters"]:
            for value in GARBAGE:
                if parameter["in"] == "path":
                    address = path.replace(f"{{{parameter['name']}}}", quote(value, safe="") or "%20")
                    others = {n: v for n, v in path_values.items() if n != parameter["name"]}
                    targets = addresses(address, others)
                else:
                    query = NARROWING.get(path, {}) | {parameter["name"]: value}
                    targets = [f"{a}?{urlencode(query)}" for a in addresses(path, path_values)]
                for target in targets:
                    response = client.get(target)
                    text = response.get_data(as_text=True)
                    assert response.status_code < 500 and "Traceback" not in text, (target, text[:300])
                    if response.status_code == 404 and parameter["in"] == "path":
                        continue  # an address that does not exist at all, as for any web server
                    check_answer(document, path, response)


def test_an_unknown_parameter_is_refused_everywhere(client, document, path_values):
    for path in documented(document):
        if document["paths"][path]["get"].get("x-query-is-address"):
            for address in addresses(path, path_values):  # ?colour=red makes another address, not archived
                response = client.get(address + "?colour=red", headers={"Accept": "application/json"})
                assert response.status_code == 404 and "colour=red" in response.get_json()["error"], address
            continue
        for address in addresses(path, path_values):
            response = client.get(address + "?colour=red", headers={"Accept": "application/json"})
            assert response.status_code == 400 and "Unknown parameter 'colour'" in response.get_json()["error"], address
