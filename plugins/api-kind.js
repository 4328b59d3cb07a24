'use strict';

// Serverless Framework plugin (osls / Serverless v3 API): one serverless.yml,
// two kinds of API Gateway API in front of the same functions.
//
//   custom:
//     api: ${param:api}      # rest (the default) or http: --param="api=http"
//
// rest: nothing changes. The functions' `http` events make a REST API.
//
// http: before any command runs (the `initialize` hook: package, deploy,
// deploy function, info and remove all see the same service; osls compiles
// events much later, at package:compileEvents), the plugin
//   - turns every `http` event into an `httpApi` event with the same method
//     and path. An event behind an authorizer gets the HTTP API authorizer of
//     the same name, which provider.httpApi.authorizers must define. `cors`
//     is left to provider.httpApi.cors (the HTTP API's own CORS), which must
//     then be set. Any other property of an http event (request templates,
//     private, async, ...) has no httpApi counterpart and fails the command;
//   - leaves out what only the REST API has: resources of an AWS::ApiGateway::*
//     type, extensions of the resources osls generates for the REST API, and
//     every resource, output, extension or environment variable that refers
//     to one of those (transitively). Run with --verbose to see the list.
// It fails with api=rest if a function has httpApi events (the stack would
// get both APIs): write `http` events, this plugin turns them into httpApi ones.

const KINDS = ['rest', 'http'];
const HTTP_EVENT_KEYS = ['method', 'path', 'cors', 'authorizer'];

// The logical ids osls generates for a REST API (lib/plugins/aws/lib/naming.js):
// ApiGatewayRestApi, ApiGatewayResource*, ApiGatewayMethod*, ApiGatewayDeployment*,
// ApiGatewayStage, ApiGatewayLogGroup, ApiGatewayApiKey*, ApiGatewayUsagePlan*,
// <Authorizer>ApiGatewayAuthorizer, <Function>LambdaPermissionApiGateway, ...
// The HTTP API's are HttpApi* and <Function>LambdaPermissionHttpApi.
const OSLS_REST_ID = /^ApiGateway|ApiGatewayAuthorizer$|LambdaPermissionApiGateway$|^CustomApiGatewayAccountCloudWatchRole$/;

class ApiKindPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.log = log || { info() {} };
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { api: { enum: KINDS } },
    });
    this.hooks = { initialize: () => this.apply() };
  }

  fail(message) {
    return new this.serverless.classes.Error(`custom.api: ${message}`);
  }

  apply() {
    const service = this.serverless.service;
    const kind = (service.custom && service.custom.api) || 'rest';
    const fail = (message) => this.fail(message);
    if (!KINDS.includes(kind)) throw fail(`"${kind}" is neither rest nor http (--param="api=http")`);
    if (kind === 'rest') {
      for (const name of service.getAllFunctions()) {
        if ((service.getFunction(name).events || []).some((event) => event.httpApi)) {
          throw fail(`function ${name} has httpApi events, but the API is rest: write http events ` +
            '(with api=http they become httpApi events)');
        }
      }
      return;
    }
    const routes = toHttpApiEvents(service, fail);
    const left = leaveOutRestOnly(service, this.functionIds(service));
    this.log.info(`api=http: ${routes} routes on the HTTP API; left out (REST API only): ` +
      `${left.length ? left.join(', ') : 'nothing'}`);
  }

  // Logical ids of this service's functions and log groups: never REST ones,
  // whatever the functions are called.
  functionIds(service) {
    const provider = this.serverless.getProvider && this.serverless.getProvider('aws');
    const naming = provider && provider.naming;
    if (!naming) return new Set();
    return new Set(service.getAllFunctions().flatMap((name) =>
      [naming.getLambdaLogicalId(name), naming.getLogGroupLogicalId(name)]));
  }
}

// Every function's http events become httpApi events, in place. Returns how many.
function toHttpApiEvents(service, fail) {
  const httpApi = (service.provider && service.provider.httpApi) || {};
  let count = 0;
  for (const name of service.getAllFunctions()) {
    const fn = service.getFunction(name);
    fn.events = (fn.events || []).map((event) => {
      if (!event.http) return event;
      count += 1;
      return { httpApi: httpApiEvent(event.http, name, httpApi, fail) };
    });
  }
  return count;
}

function httpApiEvent(http, fn, httpApi, fail) {
  const config = typeof http === 'string'
    ? (([method, path]) => ({ method, path }))(http.trim().split(/\s+/))
    : http;
  const method = String(config.method).toUpperCase();
  const path = `/${String(config.path).replace(/^\/+|\/+$/g, '')}`;
  const route = `${method} ${path} (${fn})`;
  const other = Object.keys(config).filter((key) => !HTTP_EVENT_KEYS.includes(key));
  if (other.length) throw fail(`${route}: the http event's ${other.join(', ')} has no httpApi counterpart`);
  if (config.cors && !httpApi.cors) {
    throw fail(`${route} has cors, but provider.httpApi.cors is not set (the HTTP API answers CORS itself)`);
  }
  const event = { method, path };
  if (config.authorizer) {
    const name = typeof config.authorizer === 'string' ? config.authorizer : config.authorizer.name;
    if (!name || !(httpApi.authorizers && httpApi.authorizers[name])) {
      throw fail(`${route} is behind the authorizer "${name}", which provider.httpApi.authorizers does not define`);
    }
    event.authorizer = { name };
  }
  return event;
}

// Removes what only the REST API has, in place; returns what it removed.
function leaveOutRestOnly(service, functionIds = new Set()) {
  const resources = service.resources || {};
  const own = resources.Resources || {};
  const rest = new Set(Object.keys(own).filter((id) => String(own[id].Type).startsWith('AWS::ApiGateway::')));
  const isRest = (id) => rest.has(id) || (!(id in own) && !functionIds.has(id) && OSLS_REST_ID.test(id));
  const refersToRest = (value) => [...references(value)].some(isRest);
  // Resources that refer to REST ones go too, and those that refer to them.
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, resource] of Object.entries(own)) {
      if (!rest.has(id) && refersToRest(resource)) {
        rest.add(id);
        grew = true;
      }
    }
  }
  const left = [];
  for (const id of Object.keys(own)) {
    if (rest.has(id)) {
      delete own[id];
      left.push(`resource ${id}`);
    }
  }
  for (const id of Object.keys(resources.extensions || {})) {
    if (isRest(id) || refersToRest(resources.extensions[id])) {
      delete resources.extensions[id];
      left.push(`extension of ${id}`);
    }
  }
  for (const id of Object.keys(resources.Outputs || {})) {
    if (refersToRest(resources.Outputs[id])) {
      delete resources.Outputs[id];
      left.push(`output ${id}`);
    }
  }
  const environments = [['provider', service.provider || {}],
    ...service.getAllFunctions().map((name) => [name, service.getFunction(name)])];
  for (const [owner, holder] of environments) {
    for (const variable of Object.keys(holder.environment || {})) {
      if (refersToRest(holder.environment[variable])) {
        delete holder.environment[variable];
        left.push(`environment ${owner}.${variable}`);
      }
    }
  }
  return left;
}

// Logical ids a template value refers to: Ref, Fn::GetAtt, Fn::Sub, DependsOn.
function references(value, out = new Set()) {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      else if (key === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (key === 'DependsOn') [].concat(v).forEach((d) => out.add(d));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
        references(v, out);
      } else references(v, out);
    }
  }
  return out;
}

module.exports = ApiKindPlugin;
module.exports.toHttpApiEvents = toHttpApiEvents;
module.exports.leaveOutRestOnly = leaveOutRestOnly;
