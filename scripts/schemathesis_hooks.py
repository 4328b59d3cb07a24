"""schemathesis hooks for the contract test (scripts/contract_test.sh).

- The management routes act on the user named in the path. The users whose
  tokens and credentials the runs use (CONTRACT_PROTECTED_USERS,
  comma-separated) must stay as they are, so a generated path naming one of
  them (usernames match case-insensitively, as at login) names another user
  instead: fuzzing may delete, disable or re-role any user but those.
- POST /authenticate takes Basic credentials or a JSON body, and refuses both
  together (400). schemathesis sends the Basic credentials of the security
  scheme with every request, so a request with a body goes without them:
  that way the JSON login is tested too, not only its refusal.
"""

import os

import schemathesis

PROTECTED = {
    name.strip().lower() for name in os.environ.get("CONTRACT_PROTECTED_USERS", "").split(",") if name.strip()
}


@schemathesis.hook
def before_call(context, case, kwargs):
    parameters = case.path_parameters or {}
    username = parameters.get("username")
    if isinstance(username, str) and username.lower() in PROTECTED:
        parameters["username"] = f"not-{username}"

    operation = case.operation
    if operation.method.upper() == "POST" and operation.path == "/authenticate" and case.body not in (None, b"", ""):
        for headers in (case.headers, kwargs.get("headers")):
            if headers:
                for name in [name for name in headers if name.lower() == "authorization"]:
                    del headers[name]
