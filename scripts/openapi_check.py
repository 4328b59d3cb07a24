#!/usr/bin/env python3
"""Checks the API description (openapi.yaml) against itself and the deployment.

1. Validates it as OpenAPI 3.1 with openapi-spec-validator.
2. Compares its operations with the routes of serverless.yml (every `http` and
   `httpApi` event of every function): each route must be described, and the
   description must have no other path and method. Routes behind an authorizer
   must require the bearer scheme, the others must not.

Offline: serverless.yml is read as YAML (CloudFormation tags such as !Ref are
tolerated), and the few variables a path or method may use (`${param:...}`
from params.default, `${self:...}`) are resolved here.

Usage: scripts/openapi_check.py [openapi.yaml] [serverless.yml]
Exits 0 when both checks pass, 1 with one line per difference otherwise.
"""

import re
import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
VARIABLE = re.compile(r"\$\{([^}]+)\}")


class TolerantLoader(yaml.SafeLoader):
    """A safe loader that reads any `!Tag value` as the plain value."""


def _any_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


TolerantLoader.add_multi_constructor("!", _any_tag)


def resolve(root, text, depth=0):
    """`${param:x}` (params.default) and `${self:a.b}` in a string; others are an error."""
    if not isinstance(text, str) or depth > 10:
        return text

    def one(match):
        ref = match.group(1).split(",")[0].strip()
        if ref.startswith("param:"):
            value = root.get("params", {}).get("default", {}).get(ref[len("param:"):])
        elif ref.startswith("self:"):
            value = root
            for key in ref[len("self:"):].split("."):
                value = value.get(key) if isinstance(value, dict) else None
        else:
            value = None
        if value is None:
            raise ValueError(f"cannot resolve ${{{ref}}} offline")
        return str(resolve(root, value, depth + 1))

    return VARIABLE.sub(one, text)


def normalize_path(path):
    """`users/{username}` → `/users/{username}`; a greedy `{proxy+}` is `{proxy}` in OpenAPI."""
    path = "/" + path.strip().strip("/")
    return re.sub(r"\{([^}+]+)\+\}", r"{\1}", path)


def serverless_routes(serverless_path):
    """{(METHOD, /path): {"function", "authorizer"}} from every http and httpApi event."""
    root = yaml.load(Path(serverless_path).read_text(), Loader=TolerantLoader)
    routes, problems = {}, []
    for name, function in (root.get("functions") or {}).items():
        for event in (function or {}).get("events") or []:
            for kind in ("http", "httpApi"):
                if not isinstance(event, dict) or kind not in event:
                    continue
                spec = event[kind]
                try:
                    if isinstance(spec, str):
                        spec = resolve(root, spec)
                        if spec.strip() == "*":
                            problems.append(f"serverless.yml: function {name}: a catch-all {kind} event '*' cannot be described")
                            continue
                        method, path = spec.split(None, 1)
                        authorizer = None
                    else:
                        method = resolve(root, spec.get("method", ""))
                        path = resolve(root, spec.get("path", ""))
                        authorizer = spec.get("authorizer")
                except (ValueError, AttributeError) as err:
                    problems.append(f"serverless.yml: function {name}: {kind} event: {err}")
                    continue
                method = str(method).upper()
                if method in ("ANY", "*"):
                    problems.append(
                        f"serverless.yml: function {name}: {kind} event {method} {path}: list its methods one by one, "
                        "so that each can be described")
                    continue
                key = (method, normalize_path(str(path)))
                if key in routes:
                    problems.append(f"serverless.yml: {key[0]} {key[1]} is declared twice")
                routes[key] = {"function": name, "authorizer": bool(authorizer)}
    return routes, problems


def described_operations(spec):
    """{(METHOD, /path): operation} from the description."""
    operations = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if method in item:
                operations[(method.upper(), path)] = item[method]
    return operations


def bearer_schemes(spec):
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    return {name for name, s in schemes.items() if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"}


def requires_bearer(spec, operation):
    """True when every alternative of the operation's security names a bearer scheme."""
    security = operation.get("security", spec.get("security", []))
    bearer = bearer_schemes(spec)
    return bool(security) and all(any(name in bearer for name in alternative) for alternative in security)


def compare(spec, routes):
    problems = []
    operations = described_operations(spec)
    for (method, path), route in sorted(routes.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        operation = operations.get((method, path))
        if operation is None:
            near = [f"{m} {p}" for (m, p) in operations if p.lower() == path.lower() or re.sub(r"\{[^}]*\}", "{}", p) ==
                    re.sub(r"\{[^}]*\}", "{}", path)]
            hint = f" (the description has {', '.join(sorted(near))})" if near else ""
            problems.append(f"not described: {method} {path} (function {route['function']} in serverless.yml){hint}")
            continue
        guarded = requires_bearer(spec, operation)
        if route["authorizer"] and not guarded:
            problems.append(f"{method} {path} is behind the authorizer in serverless.yml, "
                            "but its description does not require the bearer scheme")
        if not route["authorizer"] and guarded:
            problems.append(f"{method} {path} has no authorizer in serverless.yml, "
                            "but its description requires the bearer scheme")
    for method, path in sorted(operations, key=lambda key: (key[1], key[0])):
        if (method, path) not in routes:
            problems.append(f"described but not in serverless.yml: {method} {path}")
    return problems


# Values that are data, not description: any key may appear in them.
DATA_KEYS = {"example", "examples", "default", "const", "enum", "value"}


def stray_keys(node, where="#"):
    """Keys with whitespace outside `paths` and example data: in YAML's flow
    style an unquoted comma splits a text, and the rest becomes a key that
    OpenAPI 3.1 allows in a schema (unknown keywords) but nobody meant."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and re.search(r"\s", key) and where != "#/paths":
                found.append(f"{where}: the key {key!r} (an unquoted comma in a flow mapping?)")
            if key not in DATA_KEYS:
                found += stray_keys(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += stray_keys(value, f"{where}/{index}")
    return found


def main(argv):
    openapi_path = Path(argv[1]) if len(argv) > 1 else ROOT / "openapi.yaml"
    serverless_path = Path(argv[2]) if len(argv) > 2 else ROOT / "serverless.yml"
    spec, _ = read_from_filename(str(openapi_path))
    try:
        validate(spec)
    except Exception as err:  # the validator's own error names the place
        print(f"{openapi_path.name}: not a valid OpenAPI description: {err}", file=sys.stderr)
        return 1
    if not str(spec.get("openapi", "")).startswith("3.1."):
        print(f"{openapi_path.name}: openapi is {spec.get('openapi')!r}, expected 3.1.x", file=sys.stderr)
        return 1
    stray = stray_keys(spec)
    if stray:
        print(f"{openapi_path.name}: keys nobody meant:", file=sys.stderr)
        for problem in stray:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    routes, problems = serverless_routes(serverless_path)
    problems += compare(spec, routes)
    if problems:
        print(f"{openapi_path.name} and {serverless_path.name} differ:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"{openapi_path.name}: valid OpenAPI {spec['openapi']}; its {len(routes)} operations are exactly "
          f"the routes of {serverless_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
