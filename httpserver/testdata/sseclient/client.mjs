// Connects the official MCP TypeScript client over SSE to the URL given as
// the first argument, lists the tools, calls list_workspaces twice and
// prints one JSON line per step. Any failure exits non-zero with the error.
// Version negotiation is "auto", as the MCP Inspector does by default: the
// client probes server/discover and speaks the newest protocol both offer.
import { Client, SSEClientTransport } from "@modelcontextprotocol/client";

const url = new URL(process.argv[2]);
const client = new Client({ name: "meshes-mcp-sse-test", version: "0" }, { versionNegotiation: { mode: "auto" } });
try {
  await client.connect(new SSEClientTransport(url));
  const out = (step, value) => console.log(JSON.stringify({ step, value }));
  out("protocol", client.getNegotiatedProtocolVersion?.() ?? client.protocolVersion ?? null);
  const tools = await client.listTools();
  out("tools", tools.tools.length);
  for (const n of [1, 2]) {
    const res = await client.callTool({ name: "list_workspaces", arguments: {} });
    out("call" + n, { isError: res.isError ?? false, text: res.content?.[0]?.text?.slice(0, 200) });
  }
  await client.close();
} catch (err) {
  console.error(String(err?.stack ?? err));
  process.exit(1);
}
