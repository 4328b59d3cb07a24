"""A standard JWT library verifies our tokens with only what the API publishes.

Logs in (POST /authenticate), reads OpenID discovery from the token's issuer
base URL, follows jwks_uri, and verifies the access token with PyJWT's
PyJWKClient and jwt.decode(algorithms=["ES256"], audience, issuer): exactly
what a third-party verifier (or API Gateway's JWT authorizer) would do. Exits
non-zero, saying why, on any mismatch. Never prints the token or the password.

Usage: python3 scripts/jwks_check.py BASE_URL USERNAME PASSWORD [--audience api]
"""

import argparse
import json
import sys
import urllib.request

import jwt


def fail(message):
    print(f"jwks_check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def fetch_json(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            fail(f"{url} answered {response.status}")
        return response.headers, json.loads(response.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("username")
    parser.add_argument("password")
    parser.add_argument("--audience", default="api")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")

    body = json.dumps({"username": args.username, "password": args.password}).encode()
    _, tokens = fetch_json(f"{base}/authenticate", body, {"Content-Type": "application/json"})
    token = tokens.get("access_token")
    if not isinstance(token, str):
        fail("the login answered no access_token")

    headers, discovery = fetch_json(f"{base}/.well-known/openid-configuration")
    if headers.get("Cache-Control") != "public, max-age=300":
        fail(f"discovery Cache-Control is {headers.get('Cache-Control')!r}")
    issuer = discovery.get("issuer")
    if issuer != base:
        fail(f"discovery issuer {issuer!r} is not the API's base URL {base!r}")
    if discovery.get("jwks_uri") != f"{base}/.well-known/jwks.json":
        fail(f"jwks_uri is {discovery.get('jwks_uri')!r}")
    if discovery.get("id_token_signing_alg_values_supported") != ["ES256"]:
        fail(f"algorithms {discovery.get('id_token_signing_alg_values_supported')!r}, expected ['ES256']")

    # PyJWKClient fetches the JWKS itself and picks the key the token's kid names.
    client = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False)
    try:
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["ES256"],
            audience=args.audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as err:
        fail(f"PyJWT refused the token: {type(err).__name__}: {err}")
    if claims.get("username") != args.username:
        fail(f"the token's username is {claims.get('username')!r}")
    if claims.get("scope") != " ".join(claims.get("roles", [])):
        fail("scope is not the roles joined by spaces")

    # And a token not signed by a served key must not verify.
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    try:
        jwt.decode(forged, signing_key.key, algorithms=["ES256"], audience=args.audience, issuer=issuer)
        fail("a token with a corrupted signature verified")
    except jwt.InvalidSignatureError:
        pass
    except jwt.PyJWTError as err:
        fail(f"a corrupted signature was refused for the wrong reason: {type(err).__name__}")

    print(f"jwks_check: ok: PyJWT {jwt.__version__} verified an ES256 token of {issuer} with kid {signing_key.key_id}")


if __name__ == "__main__":
    main()
