"""Offline test of the deploy commands themselves: `serverless deploy`, `deploy
function` and `remove`, run as a user runs them, against no AWS account.

Run after `serverless package` (deploy/check.sh does both), from the repository,
with the Python of the test virtualenv (moto and boto3, scripts/requirements-test.txt):

    .venv/bin/python deploy/deploy_test.py

SLS_PACKAGE_DIR names another package (default .serverless), e.g. the HTTP API
variant's, and DEPLOY_TEST_WORK another directory for the logs (default
target/deploy-test):

    npx serverless package --stage dev --param="api=http" --package target/serverless-http
    SLS_PACKAGE_DIR=target/serverless-http DEPLOY_TEST_WORK=target/deploy-test-http \
      .venv/bin/python deploy/deploy_test.py

Every command gets --param="api=<custom.api of the package>", so that `deploy`
and `deploy function` make the same kind of API as the package. osls deletes
.serverless in every command that packages (and `deploy` without --package
packages there): when the package under test is elsewhere, .serverless is
saved first and put back at the end.

Every command gets dummy credentials, no AWS config files, no proxy, and
AWS_ENDPOINT_URL on 127.0.0.1, so no real AWS endpoint can be reached:

1. refused: `serverless deploy --package <package>` with every connection
   refused must fail at its first AWS call (ECONNREFUSED), never on its own
   checks of the package (e.g. "No <service>.zip file found").
2. against moto's server, all services (scripts/moto_deploy_server.py, which
   patches three moto limits), one account for the steps below, in order:
   - `serverless deploy --package <package>`: succeeds; the deployment bucket
     holds exactly the package's artifacts (same SHA-256 as the local zips),
     the state file and the compiled template (the local one); the stack was
     created (CREATE_COMPLETE) and updated without failure; every resource of
     the template exists except the types moto cannot create (MOTO_CANNOT_CREATE);
     every output exists, except those that refer to such a resource; each
     function's CodeSha256 is its zip's.
   - `serverless deploy` (no --package, CARGO_LAMBDA_SKIP_BUILD=1: the plugin
     packages the zips already built): the command of DEPLOY.md, an update.
   - `serverless deploy function -f NAME --force`, for each function with an
     artifact: uploads the code; CodeSha256 stays the zip's.
   - `serverless remove`: the stack and its bucket are gone, the functions too,
     and the retained tables (DeletionPolicy: Retain) are still there.

Data-driven: functions, artifacts, stage, region, API kind, resources and outputs
come from the package (serverless-state.json and the compiled template), not
from a list here. `serverless deploy --package` deletes the package directory
when it succeeds (osls treats it as a temporary copy): the package is saved
first and put back at the end.

Every wait has a timeout (DEPLOY_TEST_TIMEOUT seconds per command, default 180),
and moto's log and each command's output are kept in target/deploy-test/
(DEPLOY_TEST_WORK).
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACKAGE = ROOT / ".serverless"
PACKAGE = (ROOT / os.environ.get("SLS_PACKAGE_DIR", ".serverless")).resolve()
PACKAGE_ARG = os.path.relpath(PACKAGE, ROOT)  # as `deploy --package` is given it
WORK = (ROOT / os.environ.get("DEPLOY_TEST_WORK", "target/deploy-test")).resolve()
SAVED_PACKAGE = WORK / "package"
SAVED_DEFAULT_PACKAGE = WORK / "default-package"
TIMEOUT = float(os.environ.get("DEPLOY_TEST_TIMEOUT", "180"))

# Resource types in the template that moto 5.2.5's CloudFormation skips with
# "No Moto CloudFormation support for ..." (the stack still completes). The
# test fails if another type is missing, and if one of these starts to exist
# (then remove it here): the list cannot go stale silently. moto has an
# apigatewayv2 API but no CloudFormation support for any of its types: nothing
# of the HTTP API variant's API is created.
MOTO_CANNOT_CREATE = {
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
}

PROXY_VARIABLES = {"proxy", "http_proxy", "https_proxy", "all_proxy", "no_proxy"}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def references(value, out=None):
    """Logical ids that a template value refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    out = set() if out is None else out
    if isinstance(value, list):
        for v in value:
            references(v, out)
    elif isinstance(value, dict):
        for key, v in value.items():
            if key == "Ref" and isinstance(v, str):
                out.add(v)
            elif key == "Fn::GetAtt":
                out.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            elif key == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                for part in str(text).split("${")[1:]:
                    out.add(part.split("}")[0].split(".")[0])
                references(v, out)
            else:
                references(v, out)
    return out


def saved(path):
    """An artifact inside .serverless is read from the saved copy: deploy --package deletes .serverless."""
    return SAVED_PACKAGE / path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path


class Package:
    """What `serverless package` produced: the state file and the template."""

    def __init__(self, directory):
        state_path = directory / "serverless-state.json"
        template_path = directory / "cloudformation-template-update-stack.json"
        check(state_path.exists() and template_path.exists(),
              f"{directory} holds no package: run `npx serverless package` first (deploy/check.sh does)")
        self.state = json.loads(state_path.read_text())
        self.template = json.loads(template_path.read_text())
        service = self.state["service"]
        provider = service["provider"]
        self.stage = provider["stage"]
        self.region = provider["region"]
        self.stack = provider.get("stackName") or f"{service['service']}-{self.stage}"
        # rest or http (plugins/api-kind.js): every command is given the same.
        self.api = (service.get("custom") or {}).get("api") or "rest"
        self.artifact_directory = self.state["package"]["artifactDirectoryName"]
        # name -> (deployed function name, local artifact path)
        self.functions = {}
        for name, fn in service["functions"].items():
            artifact = (fn.get("package") or {}).get("artifact")
            if fn.get("image") or not artifact:
                continue
            path = saved((ROOT / artifact).resolve())
            check(path.is_file(), f"{name}: artifact {path} is missing")
            self.functions[name] = (fn["name"], path)
        check(self.functions, "the package lists no function artifact")
        # The service-wide zip, if osls packaged any function that way.
        service_artifact = self.state["package"].get("artifact")
        self.service_artifact = saved(directory / service_artifact) if service_artifact else None
        self.resources = self.template["Resources"]
        self.outputs = self.template.get("Outputs", {})


class Moto:
    """moto's server with every service, on a free port of 127.0.0.1."""

    def __init__(self, python):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(WORK / "moto.log", "w")
        self.process = subprocess.Popen(
            [python, str(ROOT / "scripts" / "moto_deploy_server.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=WORK,
            env={k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES},
        )

    def client(self, service, region):
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 2}),
        )

    def wait_ready(self, region, timeout=60):
        sts = self.client("sts", region)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise Failure(f"moto exited with {self.process.returncode}:\n{tail(Path(self.log.name).read_text())}")
            try:
                sts.get_caller_identity()
                return
            except Exception:  # not up yet
                if time.monotonic() > deadline:
                    raise Failure(f"moto did not answer within {timeout} s: see {self.log.name}")
                time.sleep(0.3)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serverless(args, endpoint, log_name):
    """Runs `npx serverless ARGS` as a user would, against ENDPOINT only. Returns (exit code, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in PROXY_VARIABLES}
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=PKG.region,
        AWS_ENDPOINT_URL=endpoint, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true", SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off",
        CARGO_LAMBDA_SKIP_BUILD="1",
    )
    command = ["npx", "--no", "--", "serverless", *args, "--stage", PKG.stage, "--region", PKG.region,
               f"--param=api={PKG.api}", "--verbose"]
    print(f"    $ {' '.join(command[3:])}   (AWS_ENDPOINT_URL={endpoint})", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, text=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        (WORK / log_name).write_text(output)
        raise Failure(f"`serverless {' '.join(args)}` still running after {TIMEOUT:.0f} s, killed:\n{tail(output)}")
    (WORK / log_name).write_text(output)
    print(f"      exit {process.returncode} after {time.monotonic() - started:.1f} s "
          f"(output: {os.path.relpath(WORK / log_name, ROOT)})", flush=True)
    return process.returncode, output


def tail(text, lines=40):
    return "\n".join("      | " + line for line in text.rstrip().splitlines()[-lines:])


def error_of(output):
    """The message osls prints under 'Error:' when a command fails."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Error:":
            message = []
            for following in lines[i + 1:]:
                if not following.strip() or following.startswith("(node:"):  # a Node.js warning
                    break
                message.append(following.strip())
            return " ".join(message)
    return ""


def restore_package():
    if PACKAGE.exists():
        shutil.rmtree(PACKAGE)
    shutil.copytree(SAVED_PACKAGE, PACKAGE)


# ---------------------------------------------------------------- the steps


def refused_deploy_fails_at_first_aws_call():
    restore_package()
    with socket.socket() as closed:
        # Bound but not listening: every connection to it is refused, and no
        # other process can take the port meanwhile.
        closed.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{closed.getsockname()[1]}"
        code, output = serverless(["deploy", "--package", PACKAGE_ARG], endpoint, "refused-deploy.log")
    error = error_of(output)
    check(code != 0, f"deploy succeeded with every connection refused?\n{tail(output)}")
    check(f"ECONNREFUSED {endpoint[len('http://'):]}" in error,
          f"deploy failed before its first AWS call, on: {error or '(no Error: line)'}\n{tail(output)}")
    print(f"      failed as it must, on its first AWS call: {error}")


def deploy_package(moto):
    restore_package()
    code, output = serverless(["deploy", "--package", PACKAGE_ARG], moto.endpoint, "moto-deploy-package.log")
    check(code == 0, f"deploy --package {PACKAGE_ARG} failed: {error_of(output)}\n{tail(output)}")
    check_stack(moto, expect_created=True)
    check_uploads(moto)
    check_resources_and_outputs(moto)
    check_function_code(moto)


def deploy_again(moto):
    # The command of DEPLOY.md: packages (reusing the built zips), then deploys.
    code, output = serverless(["deploy"], moto.endpoint, "moto-deploy.log")
    check(code == 0, f"deploy failed: {error_of(output)}\n{tail(output)}")
    check_stack(moto, expect_created=False)
    check_same_kind_of_stack(moto)
    check_function_code(moto)


def deploy_each_function(moto):
    lam = moto.client("lambda", PKG.region)
    for name, (function_name, artifact) in PKG.functions.items():
        log_offset = Path(moto.log.name).stat().st_size
        code, output = serverless(["deploy", "function", "-f", name, "--force"], moto.endpoint,
                                  f"moto-deploy-function-{name}.log")
        check(code == 0, f"deploy function -f {name} failed: {error_of(output)}\n{tail(output)}")
        check("Function code deployed" in output, f"deploy function -f {name} uploaded no code:\n{tail(output)}")
        # moto keeps LastModified on UpdateFunctionCode: its request log is the witness.
        with open(moto.log.name) as log:
            log.seek(log_offset)
            requests = log.read()
        upload = f'"PUT /2015-03-31/functions/{function_name}/code HTTP/1.1" 200'
        check(upload in requests, f"moto saw no successful UpdateFunctionCode of {function_name} ({upload})")
        configuration = lam.get_function(FunctionName=function_name)["Configuration"]
        check(configuration["CodeSha256"] == sha256_b64(artifact.read_bytes()),
              f"{function_name}: CodeSha256 {configuration['CodeSha256']} is not that of {artifact}")
        print(f"      {name}: code uploaded, CodeSha256 = {artifact.name}'s")


def remove(moto):
    cloudformation = moto.client("cloudformation", PKG.region)
    bucket = physical_ids(cloudformation)["ServerlessDeploymentBucket"]
    code, output = serverless(["remove"], moto.endpoint, "moto-remove.log")
    check(code == 0, f"remove failed: {error_of(output)}\n{tail(output)}")
    statuses = [s["StackStatus"] for s in cloudformation.list_stacks()["StackSummaries"] if s["StackName"] == PKG.stack]
    check(statuses and all(s == "DELETE_COMPLETE" for s in statuses), f"stack {PKG.stack} after remove: {statuses}")
    try:
        moto.client("s3", PKG.region).head_bucket(Bucket=bucket)
        raise Failure(f"deployment bucket {bucket} still exists after remove")
    except ClientError:
        pass
    names = {f["FunctionName"] for f in moto.client("lambda", PKG.region).list_functions()["Functions"]}
    left = names & {function_name for function_name, _ in PKG.functions.values()}
    check(not left, f"functions left after remove: {sorted(left)}")
    dynamodb = moto.client("dynamodb", PKG.region)
    retained = [(logical_id, r["Properties"]["TableName"]) for logical_id, r in PKG.resources.items()
                if r["Type"] == "AWS::DynamoDB::Table" and r.get("DeletionPolicy") == "Retain"]
    for logical_id, table in retained:
        check(dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE",
              f"{logical_id} ({table}) has DeletionPolicy Retain but is gone")
    # The others go with the stack, so that a later deploy can create them again.
    remaining = set(dynamodb.list_tables()["TableNames"])
    deleted = [r["Properties"]["TableName"] for r in PKG.resources.values()
               if r["Type"] == "AWS::DynamoDB::Table" and r.get("DeletionPolicy") != "Retain"]
    left = sorted(set(deleted) & remaining)
    check(not left, f"tables without DeletionPolicy Retain left after remove: {left}")
    print(f"      stack deleted, bucket and functions gone, retained: {', '.join(t for _, t in retained) or 'none'}")


# ---------------------------------------------------------------- the checks


def physical_ids(cloudformation):
    summaries = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=PKG.stack):
        summaries += page["StackResourceSummaries"]
    bad = [s for s in summaries if s.get("LogicalResourceId") and not s["ResourceStatus"].endswith("_COMPLETE")]
    check(not bad, f"resources not complete: {[(s['LogicalResourceId'], s['ResourceStatus']) for s in bad]}")
    return {s["LogicalResourceId"]: s.get("PhysicalResourceId", "") for s in summaries if s.get("LogicalResourceId")}


def check_stack(moto, expect_created):
    cloudformation = moto.client("cloudformation", PKG.region)
    stack = cloudformation.describe_stacks(StackName=PKG.stack)["Stacks"][0]
    events = [e["ResourceStatus"] for e in cloudformation.describe_stack_events(StackName=PKG.stack)["StackEvents"]
              if e["LogicalResourceId"] == PKG.stack]
    check(stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"stack status {stack['StackStatus']}")
    check(not [e for e in events if "FAILED" in e or "ROLLBACK" in e], f"stack events: {events}")
    if expect_created:
        check("CREATE_COMPLETE" in events, f"the stack was never CREATE_COMPLETE: {events}")
    print(f"      stack {PKG.stack}: {stack['StackStatus']} (events, newest first: {', '.join(events)})")


def check_uploads(moto):
    cloudformation = moto.client("cloudformation", PKG.region)
    s3 = moto.client("s3", PKG.region)
    bucket = physical_ids(cloudformation)["ServerlessDeploymentBucket"]
    prefix = PKG.artifact_directory + "/"
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys |= {o["Key"][len(prefix):] for o in page.get("Contents", [])}
    zips = {artifact.name: artifact for _, artifact in PKG.functions.values()}
    check(len(zips) == len(PKG.functions), "two functions share an artifact file name: they would overwrite each other")
    if PKG.service_artifact:
        zips[PKG.service_artifact.name] = PKG.service_artifact
    expected = set(zips) | {"compiled-cloudformation-template.json", "serverless-state.json"}
    check(keys == expected, f"s3://{bucket}/{prefix}: {sorted(keys)}, expected {sorted(expected)}")
    for name, artifact in sorted(zips.items()):
        body = s3.get_object(Bucket=bucket, Key=prefix + name)["Body"].read()
        check(sha256_hex(body) == sha256_hex(artifact.read_bytes()),
              f"uploaded {name} differs from {artifact} ({len(body)} vs {artifact.stat().st_size} bytes)")
    uploaded_template = json.loads(s3.get_object(Bucket=bucket, Key=prefix + "compiled-cloudformation-template.json")
                                   ["Body"].read())
    check(uploaded_template == PKG.template, "the uploaded template is not the packaged one")
    print(f"      s3://{bucket}/{prefix}: {', '.join(sorted(zips))} (SHA-256 of the local zips), state, template")


def check_resources_and_outputs(moto):
    cloudformation = moto.client("cloudformation", PKG.region)
    ids = physical_ids(cloudformation)
    skipped = {logical_id for logical_id, r in PKG.resources.items() if r["Type"] in MOTO_CANNOT_CREATE}
    missing = sorted(f"{i} ({PKG.resources[i]['Type']})" for i in set(PKG.resources) - set(ids) - skipped)
    check(not missing, f"resources of the template not in the stack: {missing} (if moto cannot create a type, "
          "add it to MOTO_CANNOT_CREATE, and to DEPLOY.md's list of what is not proven offline)")
    now_created = sorted(skipped & set(ids))
    check(not now_created, f"moto now creates {now_created}: take their types out of MOTO_CANNOT_CREATE")

    stack = cloudformation.describe_stacks(StackName=PKG.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
    unchecked = []
    for key, output in PKG.outputs.items():
        if references(output["Value"]) & skipped:
            unchecked.append(key)
            continue
        check(outputs.get(key), f"output {key} missing or empty (outputs: {outputs})")
        ref = output["Value"].get("Ref") if isinstance(output["Value"], dict) else None
        if ids.get(ref):  # (moto gives some types, e.g. AWS::Lambda::Version, no physical id)
            check(outputs[key] == ids[ref], f"output {key} = {outputs[key]}, not {ref}'s id {ids[ref]}")
    if "ServiceEndpoint" in PKG.outputs and "ApiGatewayRestApi" in ids:
        endpoint = f"https://{ids['ApiGatewayRestApi']}.execute-api.{PKG.region}.amazonaws.com/{PKG.stage}"
        check(outputs["ServiceEndpoint"] == endpoint, f"ServiceEndpoint {outputs['ServiceEndpoint']}, expected {endpoint}")
    if "HttpApiUrl" in PKG.outputs and ids.get("HttpApi"):
        endpoint = f"https://{ids['HttpApi']}.execute-api.{PKG.region}.amazonaws.com"
        check(outputs["HttpApiUrl"] == endpoint, f"HttpApiUrl {outputs['HttpApiUrl']}, expected {endpoint}")
    check_tables(moto)
    print(f"      {len(ids)} of {len(PKG.resources)} resources created; not by moto: "
          f"{', '.join(sorted(i + ' (' + PKG.resources[i]['Type'] + ')' for i in skipped)) or 'none'}")
    print(f"      outputs: {', '.join(sorted(set(PKG.outputs) - set(unchecked)))}; "
          f"not checked (they refer to those): {', '.join(unchecked) or 'none'}")


def check_tables(moto):
    """Each table as the template declares it: keys, indexes, TTL."""
    dynamodb = moto.client("dynamodb", PKG.region)
    for logical_id, resource in PKG.resources.items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        p = resource["Properties"]
        table = dynamodb.describe_table(TableName=p["TableName"])["Table"]
        check(table["KeySchema"] == p["KeySchema"], f"{logical_id}: keys {table['KeySchema']}, not {p['KeySchema']}")
        want = {i["IndexName"]: i["KeySchema"] for i in p.get("GlobalSecondaryIndexes", [])}
        got = {i["IndexName"]: i["KeySchema"] for i in table.get("GlobalSecondaryIndexes", [])}
        check(got == want, f"{logical_id}: indexes {got}, not {want}")
        ttl = dynamodb.describe_time_to_live(TableName=p["TableName"])["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in p:
            spec = p["TimeToLiveSpecification"]
            check(ttl.get("TimeToLiveStatus") == "ENABLED" and ttl.get("AttributeName") == spec["AttributeName"],
                  f"{logical_id}: TTL {ttl}, not on {spec['AttributeName']}")
        else:
            check(ttl.get("TimeToLiveStatus") in (None, "DISABLED"), f"{logical_id}: TTL {ttl}, none declared")
        print(f"      {logical_id}: keys, {len(want)} index(es) and TTL as declared")


def check_same_kind_of_stack(moto):
    """The stack's template now has the resources of the package's (with --param=api=..., the same API)."""
    body = moto.client("cloudformation", PKG.region).get_template(StackName=PKG.stack)["TemplateBody"]
    deployed = json.loads(body) if isinstance(body, str) else body
    types = lambda template: sorted(r["Type"] for r in template["Resources"].values())  # noqa: E731
    check(types(deployed) == types(PKG.template),
          f"the deployed template's resource types are not the package's:\n{types(deployed)}\n{types(PKG.template)}")
    print(f"      the deployed template has the package's {len(PKG.resources)} resources, by type")


def check_function_code(moto):
    lam = moto.client("lambda", PKG.region)
    for name, (function_name, artifact) in PKG.functions.items():
        configuration = lam.get_function(FunctionName=function_name)["Configuration"]
        check(configuration["CodeSha256"] == sha256_b64(artifact.read_bytes()),
              f"{function_name}: CodeSha256 {configuration['CodeSha256']} is not that of {artifact}")
    print(f"      functions {', '.join(PKG.functions)}: CodeSha256 = their zips'")


# ---------------------------------------------------------------- main


def main():
    global PKG
    started = time.monotonic()
    # Only the endpoints and credentials given here: none from the caller's
    # environment (scripts/test.sh exports AWS_ENDPOINT_URL_DYNAMODB, for one).
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        check((PACKAGE / "serverless-state.json").exists(),
              f"{PACKAGE} holds no package: run `npx serverless package` first (deploy/check.sh does)")
        if SAVED_PACKAGE.exists():
            shutil.rmtree(SAVED_PACKAGE)
        shutil.copytree(PACKAGE, SAVED_PACKAGE)
        PKG = Package(PACKAGE)
    except Failure as failure:
        print(f"FAIL {failure}\ndeploy: 0 passed, 1 failed")
        return 1
    # `serverless deploy` packages into .serverless: keep another package there intact.
    keep_default = PACKAGE != DEFAULT_PACKAGE and DEFAULT_PACKAGE.exists()
    if SAVED_DEFAULT_PACKAGE.exists():
        shutil.rmtree(SAVED_DEFAULT_PACKAGE)
    if keep_default:
        shutil.copytree(DEFAULT_PACKAGE, SAVED_DEFAULT_PACKAGE)
    print(f"deploy test: package {PACKAGE_ARG} ({PKG.api} API), stack {PKG.stack}, stage {PKG.stage}, "
          f"{PKG.region}; functions {', '.join(PKG.functions)}", flush=True)

    passed, failed, not_run = [], [], []

    def step(name, function, *args):
        print(f"--> {name}", flush=True)
        started = time.monotonic()
        try:
            function(*args)
        except Failure as failure:
            print(f"FAIL {name}:\n{failure}", flush=True)
            failed.append(name)
            return False
        except Exception:  # an SDK error, a KeyError: a failure too, with its trace
            print(f"FAIL {name}:\n{traceback.format_exc()}", flush=True)
            failed.append(name)
            return False
        print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
        passed.append(name)
        return True

    moto = None
    try:
        step(f"deploy --package {PACKAGE_ARG}, every connection refused: fails at its first AWS call",
             refused_deploy_fails_at_first_aws_call)
        print("--> starting moto (all services) on 127.0.0.1", flush=True)
        moto = Moto(sys.executable)
        moto.wait_ready(PKG.region)
        # Each step needs the one before it: stop at the first failure.
        chain = [
            (f"deploy --package {PACKAGE_ARG} against moto", deploy_package),
            ("deploy (packages with the prebuilt zips) against moto, an update", deploy_again),
            ("deploy function -f NAME --force, each function, against moto", deploy_each_function),
            ("remove against moto", remove),
        ]
        for i, (name, function) in enumerate(chain):
            if not step(name, function, moto):
                not_run.extend(n for n, _ in chain[i + 1:])
                break
    except Failure as failure:
        print(f"FAIL {failure}", flush=True)
        failed.append("setup")
    finally:
        if moto:
            moto.stop()
        restore_package()
        if PACKAGE != DEFAULT_PACKAGE:
            if DEFAULT_PACKAGE.exists():
                shutil.rmtree(DEFAULT_PACKAGE)
            if keep_default:
                shutil.copytree(SAVED_DEFAULT_PACKAGE, DEFAULT_PACKAGE)

    for name in not_run:
        print(f"not run (needs the step that failed): {name}")
    print(f"deploy test: {time.monotonic() - started:.0f} s")
    print(f"deploy: {len(passed)} passed, {len(failed) + len(not_run)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
