"""The workspace's shape, checked: `./scripts/test.sh` runs this before the
Rust tests, so the rules README's Architecture section states hold from now on.

1. Arrows only point down: each crate sits on a layer, and every dependency
   between workspace crates (normal, dev and build alike) goes to a lower
   layer. So there is no cycle, dev-dependencies included.
2. The core is pure: `common`'s normal dependencies hold no Lambda, API
   Gateway, HTTP, server or AWS SDK crate.
3. The authorizer and hello link no AWS SDK and no TLS stack.
4. Every main.rs is at most 25 lines; no file of non-test code exceeds 500.
5. The logging cap (common/src/logging.rs) knows every workspace crate.

Usage: python3 scripts/check_architecture.py   (from anywhere in the repo)
"""

import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Lower numbers are lower layers; a crate may depend only on lower ones.
LAYERS = {
    "common": 0,
    "store-dynamodb": 1,
    "store-sqlite": 1,
    "apigw": 1,
    "users": 1,
    "bench": 1,
    "authenticate": 2,
    "check-token": 2,
    "hello": 2,
    "users-api": 2,
    "local-store": 2,
    "local-api": 3,
    "admin": 3,
}

PURE_CORE_FORBIDDEN = re.compile(
    r"^(aws_lambda_events|lambda_runtime.*|lambda_http|http|http-body.*|hyper.*|axum.*|tower.*|aws-sdk-.*|aws-config|"
    r"aws-smithy-.*|rustls.*|aws-lc-.*|rusqlite|tokio)$"
)
NO_SDK_OR_TLS = re.compile(r"^(aws-sdk-.*|aws-config|aws-smithy-runtime|rustls.*|aws-lc-.*|hyper-rustls|openssl.*)$")
MAX_MAIN_LINES = 25
MAX_FILE_LINES = 500

problems = []


def cargo(*args):
    return subprocess.run(["cargo", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def normal_dependencies(package):
    """Every crate in the package's normal dependency tree, by name."""
    tree = cargo("tree", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}")
    return {line.split()[0] for line in tree.splitlines() if line.strip()}


metadata = json.loads(cargo("metadata", "--format-version", "1", "--no-deps"))
members = {package["name"]: package for package in metadata["packages"]}

# 1. Layers, hence no cycle.
unknown = sorted(set(members) - set(LAYERS))
if unknown:
    problems.append(f"crates without a layer in scripts/check_architecture.py: {', '.join(unknown)}")
for name, package in sorted(members.items()):
    for dependency in package["dependencies"]:
        target = dependency["name"]
        if target not in members or target == name:
            continue
        kind = dependency["kind"] or "normal"
        if LAYERS.get(target, 99) >= LAYERS.get(name, -1):
            problems.append(
                f"{name} (layer {LAYERS.get(name)}) depends on {target} (layer {LAYERS.get(target)}) as a {kind} "
                f"dependency: arrows must point to a lower layer"
            )

# 2. and 3. What the core and the lightest Lambdas link.
forbidden = sorted(d for d in normal_dependencies("common") if PURE_CORE_FORBIDDEN.match(d))
if forbidden:
    problems.append(f"common depends on {', '.join(forbidden)}: the core must stay free of them")
for package in ("check-token", "hello"):
    heavy = sorted(d for d in normal_dependencies(package) if NO_SDK_OR_TLS.match(d))
    if heavy:
        problems.append(f"{package} links {', '.join(heavy)}: it must link no AWS SDK and no TLS stack")
if "local-api" in normal_dependencies("admin"):
    problems.append("admin depends on local-api")

# 4. Thin entry points, small files.
# bench's noop and raw-echo are whole functions on purpose (floors to compare with), not entry points.
for main in sorted(ROOT.glob("*/src/main.rs")) + [ROOT / "bench/src/bin/harness.rs"]:
    lines = len(main.read_text().splitlines())
    if lines > MAX_MAIN_LINES:
        problems.append(f"{main.relative_to(ROOT)} has {lines} lines (at most {MAX_MAIN_LINES})")
for source in sorted(ROOT.glob("*/src/**/*.rs")):
    relative = source.relative_to(ROOT)
    if relative.parts[0] == "fuzz" or source.name == "tests.rs" or "tests" in source.parts[2:-1]:
        continue
    code = source.read_text().split("#[cfg(test)]")[0]
    lines = len(code.splitlines())
    if lines > MAX_FILE_LINES:
        problems.append(f"{relative} has {lines} lines of non-test code (at most {MAX_FILE_LINES})")

# 5. The logging cap's list of this workspace's crates.
logging = (ROOT / "common/src/logging.rs").read_text()
listed = set(re.findall(r'"([a-z_]+)"', logging.split("WORKSPACE_CRATES", 1)[1].split("];", 1)[0]))
expected = {name.replace("-", "_") for name in members}
if listed != expected:
    problems.append(
        f"common/src/logging.rs WORKSPACE_CRATES differs from the workspace: missing {sorted(expected - listed)}, "
        f"extra {sorted(listed - expected)}"
    )

if problems:
    print("architecture check failed:", *problems, sep="\n  ")
    sys.exit(1)
print(f"architecture check: {len(members)} crates on {len(set(LAYERS.values()))} layers, arrows down, core pure")
