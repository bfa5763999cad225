#!/usr/bin/env python3
"""Checks Backstage catalog files the way Backstage's catalog reads them: every
entity against the vendored JSON Schema of its kind (`tests/data/backstage/`, refs
resolved by `$id`), names and annotation keys against the catalog model's
Kubernetes-style rules, and every reference between pave's entities (`system`,
`dependsOn`, Location targets) against the entities and files present.

Usage: backstage_check.py SCHEMA_DIR CATALOG_DIR   (exit 1 and a list on failure)
"""

import json
import os
import re
import sys

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

# KubernetesValidatorFunctions.isValidObjectName (packages/catalog-model).
NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
KINDS = ("Component", "Resource", "System", "Location")


def schemas(folder):
    loaded = {}
    for name in os.listdir(folder):
        if name.endswith(".schema.json"):
            with open(os.path.join(folder, name)) as f:
                doc = json.load(f)
            loaded[doc["$id"]] = doc
    registry = Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT7))
        for uri, doc in loaded.items()
    )
    return {
        kind: Draft7Validator(loaded[f"{kind}V1alpha1"], registry=registry) for kind in KINDS
    }


def valid_name(name):
    return isinstance(name, str) and 1 <= len(name) <= 63 and NAME.match(name)


def valid_annotation_key(key):
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        return False
    return valid_name(name)


def main():
    validators = schemas(sys.argv[1])
    folder = sys.argv[2]
    problems, entities, refs = [], set(), []
    for file in sorted(os.listdir(folder)):
        path = os.path.join(folder, file)
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        if not docs:
            problems.append(f"{file}: no entity")
        for doc in docs:
            kind = doc.get("kind")
            where = f"{file}: {kind} {doc.get('metadata', {}).get('name')}"
            if kind not in validators:
                problems.append(f"{where}: no schema for this kind")
                continue
            for error in validators[kind].iter_errors(doc):
                problems.append(f"{where}: {error.json_path}: {error.message}")
            meta = doc.get("metadata", {})
            if not valid_name(meta.get("name")):
                problems.append(f"{where}: invalid entity name")
            for key in meta.get("annotations", {}):
                if not valid_annotation_key(key):
                    problems.append(f"{where}: invalid annotation key {key}")
            entities.add(f"{kind.lower()}:{meta.get('name')}")
            spec = doc.get("spec", {})
            if "system" in spec:
                refs.append((where, f"system:{spec['system']}"))
            refs.extend((where, r) for r in spec.get("dependsOn", []))
            for target in spec.get("targets", []):
                if not os.path.isfile(os.path.join(folder, target)):
                    problems.append(f"{where}: target {target} is not a file")
    for where, ref in refs:
        if ref not in entities:
            problems.append(f"{where}: reference {ref} names no entity of the catalog")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"{len(entities)} entities ok")


main()
