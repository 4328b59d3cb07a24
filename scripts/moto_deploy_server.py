"""moto's server, all services, as the AWS account of the offline deploy test.

`serverless deploy` talks to it through AWS_ENDPOINT_URL (deploy/deploy_test.py).
A few of moto's limits stand between osls's stack and what CloudFormation
does with it; each is patched here in the smallest way, and only for what
CloudFormation itself accepts:

1. ValidateTemplate: moto runs cfn-lint and rejects the template on its first
   finding, warnings included (e.g. W3005 on the DependsOn that osls generates
   next to a GetAtt). CloudFormation accepts warnings, and deploy/check.sh
   already fails on cfn-lint errors; keep only the errors (rule ids E...).
2. AWS::ApiGateway::Method: moto reads Integration.IntegrationHttpMethod and
   Integration.Uri unconditionally and fails with a KeyError on a MOCK
   integration (the CORS OPTIONS methods of `cors: true`), which has neither.
   CloudFormation requires them only for AWS/HTTP integrations; pass None.
3. ExecuteChangeSet (osls deploys through change sets): moto applies the new
   template's resources but keeps the stack's outputs of the template it was
   created with (none: a CREATE change set starts from an empty stack), so
   DescribeStacks shows no outputs. Recompute them from the applied template,
   as moto's own UpdateStack does.

4. AWS::DynamoDB::Table: moto ignores TimeToLiveSpecification (the sessions
   table's TTL); CloudFormation enables it. Apply it after creating the table,
   through moto's own UpdateTimeToLive.

Usage: python scripts/moto_deploy_server.py -H 127.0.0.1 -p PORT
"""

import copy
import sys

from moto.apigateway.models import Method
from moto.cloudformation.models import CloudFormationBackend
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.server import main

_validate_template = CloudFormationBackend.validate_template


def validate_template_errors_only(self, template):
    return [m for m in _validate_template(self, template) if str(m.rule.id).startswith("E")]


CloudFormationBackend.validate_template = validate_template_errors_only

_create_method = Method.create_from_cloudformation_json.__func__


def create_method_allowing_mock(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    integration = cloudformation_json.get("Properties", {}).get("Integration", {})
    if integration.get("Type") == "MOCK":
        cloudformation_json = copy.deepcopy(cloudformation_json)
        integration = cloudformation_json["Properties"]["Integration"]
        integration.setdefault("IntegrationHttpMethod", None)
        integration.setdefault("Uri", None)
    return _create_method(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


Method.create_from_cloudformation_json = classmethod(create_method_allowing_mock)

_execute_change_set = CloudFormationBackend.execute_change_set


def execute_change_set_and_outputs(self, change_set_name, stack_name=None):
    _execute_change_set(self, change_set_name, stack_name)
    # The same lookup as moto's: by id, else the last change set of that name.
    change_set = self.change_sets.get(change_set_name)
    if change_set is None:
        for candidate in self.change_sets.values():
            if candidate.change_set_name == change_set_name:
                change_set = candidate
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.output_map = stack._create_output_map()


CloudFormationBackend.execute_change_set = execute_change_set_and_outputs

_create_table = Table.create_from_cloudformation_json.__func__


def create_table_with_ttl(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    table = _create_table(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    ttl = cloudformation_json.get("Properties", {}).get("TimeToLiveSpecification")
    if ttl:
        dynamodb_backends[account_id][region_name].update_time_to_live(table.name, ttl)
    return table


Table.create_from_cloudformation_json = classmethod(create_table_with_ttl)

if __name__ == "__main__":
    main(sys.argv[1:])
