// What a host on the MCP TypeScript SDK spends when it receives tools/list:
// Client.cacheToolMetadata builds one AJV validator per output schema,
// through AjvJsonSchemaValidator.getValidator, with a fresh AJV instance as a
// new client has. Run once per fresh process: the first build is what a
// user waits for, before AJV's own code is warm.
//
//   node measure.mjs TOOLS.json   (a JSON array of tools, as in tools/list)
//
// Prints {tools, outputSchemaBytes, cpuMs}: CPU time (user+system), which a
// loaded machine distorts far less than wall time.
import { readFileSync } from 'node:fs';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const tools = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const c0 = process.cpuUsage();
const validator = new AjvJsonSchemaValidator();
for (const t of tools) if (t.outputSchema) validator.getValidator(t.outputSchema);
const c = process.cpuUsage(c0);
const bytes = tools.reduce((n, t) => n + (t.outputSchema ? JSON.stringify(t.outputSchema).length : 0), 0);
console.log(JSON.stringify({ tools: tools.length, outputSchemaBytes: bytes, cpuMs: (c.user + c.system) / 1000 }));
