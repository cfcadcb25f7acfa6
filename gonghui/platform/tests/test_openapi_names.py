"""Every schema of the API document is one class: the OpenAPI components are keyed by class
name, so two request or response schemas of the same name (an assistance ``ApplicationOut`` and
a legal-aid one) silently replaced each other and the document described one app's answers
with the other's fields (found by schemathesis on the hardship application list)."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema


def _schema_classes() -> dict[str, list[type]]:
    found: dict[str, list[type]] = defaultdict(list)

    def walk(cls):
        for sub in cls.__subclasses__():
            module = sub.__module__
            if module.startswith(("gonghui.", "config.")) and ".tests." not in module:
                found[sub.__name__].append(sub)
            walk(sub)

    walk(Schema)
    return found


def test_no_two_schemas_of_the_document_share_a_name(client):
    from config.api import api

    components = api.get_openapi_schema()["components"]["schemas"]
    classes = _schema_classes()
    clashes = []
    for name in components:
        shapes = {json.dumps(c.model_json_schema(), sort_keys=True) for c in classes.get(name, [])}
        if len(shapes) > 1:
            clashes.append(f"{name}: {sorted(c.__module__ for c in classes[name])}")
    assert not clashes, "schemas named alike (rename one):\n" + "\n".join(clashes)
