#!/usr/bin/env python3
"""Converts a CustomResourceDefinition (YAML) into the strict draft-07 JSON Schema of
one served version, the way `tests/data/crds/README.md` describes: unknown fields are
rejected except under `x-kubernetes-preserve-unknown-fields`, int-or-string becomes
integer-or-string, `nullable` admits null, `apiVersion` and `kind` are pinned and
descriptions are dropped.

Usage: crd_schema.py CRD.yaml VERSION > schema.json
"""

import json
import sys

import yaml


def strict(node):
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("description", "default", "x-kubernetes-validations"):
            continue
        if key == "properties":
            out[key] = {name: strict(child) for name, child in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = strict(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [strict(child) for child in value]
        elif key == "not":
            out[key] = strict(value)
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
    if node.get("type") == "object" and "properties" in node:
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        kinds = out.get("type")
        if isinstance(kinds, str):
            out["type"] = [kinds, "null"]
        elif isinstance(kinds, list) and "null" not in kinds:
            out["type"] = kinds + ["null"]
    return out


METADATA = {
    "type": "object",
    "properties": {
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "generateName": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "name": {"type": "string"},
        "namespace": {"type": "string"},
    },
}


def main():
    path, version = sys.argv[1], sys.argv[2]
    crd = yaml.safe_load(open(path))
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    (served,) = [
        v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served")
    ]
    schema = strict(served["schema"]["openAPIV3Schema"])
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [f"{group}/{version}"]}
    props["kind"] = {"type": "string", "enum": [kind]}
    props["metadata"] = METADATA
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    schema["additionalProperties"] = False
    schema["title"] = f"{kind} {group}/{version}"
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    json.dump(schema, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
