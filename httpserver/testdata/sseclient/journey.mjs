// Drives the real meshes-mcp binary (started with --sandbox, so it holds
// seeded demo data) with the official MCP TypeScript client and lets the
// client check every structured result against the tool's outputSchema, as
// hosts built on this SDK do: it validates with AJV and throws on a mismatch.
//
//   node journey.mjs stdio BINARY [legacy|auto]  spawns BINARY --sandbox itself,
//                                                 handing it this process's
//                                                 environment (the Go test
//                                                 makes that hermetic)
//   node journey.mjs http URL [legacy|auto]       connects over streamable HTTP
//
// legacy is the client's default version negotiation (initialize); auto probes
// server/discover first, as the MCP Inspector does.
//
// It lists the tools, then walks a journey that reaches every tool the server
// annotates readOnlyHint with ids taken from earlier results, and every write
// but cancel_delivery (the sandbox ends deliveries at once, leaving none to
// cancel); notCalled in the summary lists what it left out. It exits non-zero, with the error on
// stderr, if any call throws (an output-validation failure included), a call
// answers isError where none is expected, a read-only tool is never reached,
// or the client validated fewer results than it should have. On success it
// prints one JSON line: {"step":"summary","value":{...}}.
import { Client, ProtocolError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/client/validators/ajv";

const [transportKind, target, negotiation = "legacy"] = process.argv.slice(2);

// CountingValidator is the client's default validator (AjvJsonSchemaValidator
// constructed without arguments, exactly what Client uses when given none),
// counting what it compiles and validates. The counts prove that validation
// really ran: the client silently skips it when a tool's descriptor is not in
// its tools/list cache, or the cache fails (it only calls onerror then).
class CountingValidator {
  inner = new AjvJsonSchemaValidator();
  compiled = 0;
  validations = [];
  getValidator(schema) {
    const validate = this.inner.getValidator(schema);
    this.compiled++;
    return (input) => {
      const result = validate(input);
      this.validations.push({ input, valid: result.valid });
      return result;
    };
  }
}

function fail(msg) {
  throw new Error(msg);
}

const validator = new CountingValidator();
const client = new Client(
  { name: "meshes-mcp-journey-test", version: "0" },
  { jsonSchemaValidator: validator, ...(negotiation === "auto" ? { versionNegotiation: { mode: "auto" } } : {}) },
);
const clientErrors = [];
client.onerror = (err) => clientErrors.push(String(err?.stack ?? err));

const transport =
  transportKind === "stdio"
    ? new StdioClientTransport({ command: target, args: ["--sandbox", "--log-level", "warn"], env: { ...process.env } })
    : transportKind === "http"
      ? new StreamableHTTPClientTransport(new URL(target))
      : fail(`unknown transport ${transportKind}; want stdio or http`);

const tools = new Map(); // name → descriptor from tools/list
const calls = {}; // name → successful, validated calls
let unvalidated = 0; // successful calls of tools without an outputSchema

// call invokes a tool through the client, which validates structuredContent.
// A result with isError fails the journey unless allowError is set, in which
// case it is returned for the caller to judge and not counted as a call.
async function call(name, args, { allowError = false } = {}) {
  const tool = tools.get(name) ?? fail(`tools/list has no ${name}`);
  const before = validator.validations.length;
  let res;
  try {
    res = await client.callTool({ name, arguments: args });
  } catch (err) {
    throw new Error(`${name} ${JSON.stringify(args)}: ${err?.message ?? err}`, { cause: err });
  }
  if (res.isError) {
    if (allowError) return res;
    fail(`${name} ${JSON.stringify(args)} answered isError: ${res.content?.[0]?.text}`);
  }
  const validated = validator.validations.slice(before);
  if (tool.outputSchema) {
    if (validated.length !== 1 || validated[0].input !== res.structuredContent || !validated[0].valid) {
      fail(`${name}: the client validated ${validated.length} results for this call, want exactly its structuredContent`);
    }
  } else {
    unvalidated++;
  }
  calls[name] = (calls[name] ?? 0) + 1;
  return res;
}

const data = (res) => res.structuredContent ?? fail("no structuredContent");
const ids = (list) => (list ?? []).map((x) => x.id);

try {
  await client.connect(transport);
  const protocol = client.getNegotiatedProtocolVersion?.() ?? null;

  for (const t of (await client.listTools()).tools) tools.set(t.name, t);
  const readOnly = [...tools.values()].filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
  const withSchema = [...tools.values()].filter((t) => t.outputSchema).map((t) => t.name);
  if (readOnly.length === 0) fail("no tool is annotated readOnlyHint");

  // Workspaces and everything that hangs off each of them.
  const workspaces = data(await call("list_workspaces", {})).workspaces;
  if (!workspaces?.length) fail("list_workspaces found no workspace in the sandbox");
  if (validator.compiled !== withSchema.length) {
    fail(`the client compiled ${validator.compiled} output validators, want one per tool with an outputSchema (${withSchema.length})`);
  }
  const exports = {};
  for (const ws of ids(workspaces)) {
    await call("get_workspace", { workspace_id: ws });
    await call("list_event_types", { workspace_id: ws });
    await call("list_resources", { workspace_id: ws });
    await call("list_sessions", { workspace_id: ws });
    exports[ws] = data(await call("export_workspace", { workspace_id: ws })).blueprint;
    await call("list_events", { workspace_id: ws, limit: 50 });
  }

  // Connections: every one, since each integration type answers with its own
  // actions, fields and mapping. Only an inactive connection may refuse to
  // ask its provider for live items and fields (Meshes answers 409).
  const connections = data(await call("list_connections", {})).connections ?? [];
  for (const conn of connections) {
    const live = { allowError: conn.active === false };
    await call("get_connection", { connection_id: conn.id });
    await call("list_connection_actions", { connection_id: conn.id }, live);
    await call("get_connection_fields", { connection_id: conn.id }, live);
    await call("get_connection_mapping", { connection_id: conn.id });
  }
  await call("list_integrations", {});
  await call("list_integrations", { type: "hubspot" });

  for (const id of ids(data(await call("list_rules", {})).rules)) {
    await call("get_rule", { rule_id: id });
  }

  // Events, their deliveries and the diagnosis of the failed ones.
  const events = data(await call("list_events", { limit: 200 })).events ?? [];
  for (const ev of events) {
    await call("get_event", { event_id: ev.id, include_payload: true });
  }
  const failedDeliveries = [];
  for (const ws of ids(workspaces)) {
    await call("list_deliveries", { workspace_id: ws });
    const failed = data(await call("list_deliveries", { workspace_id: ws, status: "failed" })).deliveries ?? [];
    for (const d of failed) {
      await call("diagnose_event", { event_id: d.event_id });
      await call("get_delivery", { event_id: d.event_id, rule_id: d.rule });
      failedDeliveries.push(d);
    }
  }
  if (failedDeliveries.length === 0) fail("list_deliveries {status: failed} found nothing in the sandbox to diagnose");

  // Blueprints: plan one workspace's export against another workspace (and
  // against itself, which plans nothing); plan_blueprint changes nothing.
  const [first, second] = ids(workspaces);
  await call("plan_blueprint", { blueprint: exports[first], workspace_id: second ?? first });
  await call("plan_blueprint", { blueprint: exports[first], workspace_id: first });

  // Writes whose results have other shapes.
  const created = data(await call("create_workspace", { name: `Journey ${transportKind} ${negotiation}` }));
  const newWs = created.id ?? fail(`create_workspace returned no id: ${JSON.stringify(created)}`);
  await call("get_workspace", { workspace_id: newWs });
  const sent = data(
    await call("send_event", { workspace_id: first, event: "user.signup", payload: { email: "journey@example.com", plan: "pro" }, resource: "user", resource_id: "usr_journey" }),
  );
  await call("get_event", { event_id: sent.event_id ?? fail(`send_event returned no event_id: ${JSON.stringify(sent)}`) });
  const sent4 = await call("send_events", {
    events: [
      { workspace_id: first, event: "user.signup", payload: { email: "a@example.com" } },
      { workspace_id: first, event: "order.completed", payload: { email: "b@example.com", total: 12.5, items: [{ sku: "X1" }] }, resource: "order", resource_id: "ord_1" },
      { workspace_id: newWs, event: "trial.started", payload: { email: "c@example.com" } },
      // A well-formed id of no workspace: Meshes rejects this item alone.
      { workspace_id: "123e4567-e89b-42d3-a456-426614174000", event: "user.signup", payload: { email: "d@example.com" } },
    ],
  });
  const batch = data(sent4);
  if (batch.accepted !== 3 || batch.rejected !== 1) fail(`send_events: ${JSON.stringify(batch)}, want 3 accepted and 1 rejected`);
  const session = data(await call("create_session", { workspace_id: first }));
  await call("create_session", { workspace_id: first, role: "admin", session_type: "dashboard", scopes: ["events.payload:read"], allowed_origins: ["https://app.example.com"] });
  await call("list_sessions", { workspace_id: first, status: "active" });

  // The other writes, each on something the journey made or may change: a
  // connection's life from creation to deletion with a rule on it, a session
  // refreshed and revoked, a mapping stored again as it is, a blueprint
  // applied to a new workspace and a failed delivery retried.
  await call("update_workspace", { workspace_id: newWs, name: created.name, description: "made by the journey" });
  const hook = data(await call("create_connection", { workspace_id: newWs, type: "webhook", name: "Journey Hook", metadata: { url: "https://example.com/hook" } }));
  const stored = data(await call("get_connection", { connection_id: hook.id }));
  await call("update_connection", { connection_id: hook.id, name: "Journey Hook 2", metadata: stored.metadata });
  const rule = data(await call("create_rule", { workspace_id: newWs, connection_id: hook.id, event: "user.signup", action: "send_webhook" }));
  await call("get_rule", { rule_id: rule.id });
  await call("delete_rule", { rule_id: rule.id });
  await call("delete_connection", { connection_id: hook.id });
  await call("refresh_session", { session_id: session.session_id });
  await call("revoke_session", { session_id: session.session_id });
  const mapped = connections.find((c) => c.active !== false && c.type === "hubspot") ?? fail("the sandbox has no active hubspot connection");
  const mapping = data(await call("get_connection_mapping", { connection_id: mapped.id }));
  await call("update_connection_mapping", { connection_id: mapped.id, schema: mapping.schema });
  await call("apply_blueprint", { blueprint: exports[first], workspace_name: `Journey copy ${transportKind} ${negotiation}` });
  await call("retry_delivery", { event_id: failedDeliveries[0].event_id, rule_id: failedDeliveries[0].rule });

  // Negative control: the same validation path must reject a result that does
  // not match. callTool with a caller-supplied toolDefinition compiles its
  // outputSchema the same way; one requiring a property no result has must
  // make the client throw, or this SDK does not validate at all.
  const strict = { ...tools.get("list_workspaces"), outputSchema: { type: "object", required: ["journey_never_present"] } };
  let rejected = null;
  try {
    await client.callTool({ name: "list_workspaces", arguments: {} }, { toolDefinition: strict });
  } catch (err) {
    rejected = err;
  }
  if (!(rejected instanceof ProtocolError) || !/output schema/.test(rejected.message)) {
    fail(`the client accepted a result that violates the outputSchema it was given (${rejected})`);
  }

  const missed = readOnly.filter((name) => !calls[name]);
  if (missed.length) fail(`read-only tools never called successfully: ${missed.join(", ")}`);
  const invalid = validator.validations.filter((v) => !v.valid).length;
  if (invalid !== 1) fail(`${invalid} results failed validation, want only the negative control's`);
  if (clientErrors.length) fail(`the client reported errors: ${clientErrors.join("\n")}`);

  console.log(
    JSON.stringify({
      step: "summary",
      value: {
        protocol,
        tools: tools.size,
        withOutputSchema: withSchema.length,
        readOnly,
        calls,
        validated: validator.validations.length - 1,
        unvalidated,
        notCalled: [...tools.keys()].filter((name) => !calls[name]),
        rejectedMismatch: rejected.message.slice(0, 200),
      },
    }),
  );
  await client.close();
} catch (err) {
  console.error(String(err?.stack ?? err));
  if (clientErrors.length) console.error("client errors:\n" + clientErrors.join("\n"));
  process.exit(1);
}
