// Writes docs/configuration.md from the configuration schema, so the reference never drifts
// from what the loader accepts. Run: node scripts/gen-config-docs.ts (npm run docs:config).
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, environmentOverrides } from '../src/config/index.ts';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
}

const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
const envByPath = new Map<string, string>(Object.entries(environmentOverrides).map(([env, path]) => [path, env]));
const rows: string[] = [];

function typeOf(node: JsonSchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.anyOf !== undefined) return node.anyOf.map(typeOf).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items === undefined ? 'values' : typeOf(node.items)}`;
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'value');
}

function walk(node: JsonSchemaNode, path: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const here = [...path, key];
    if (child.type === 'object' && child.properties !== undefined && Object.keys(child.properties).length > 0) {
      walk(child, here);
      continue;
    }
    const name = here.join('.');
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    const env = envByPath.get(name);
    const description = (child.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${name}\` | ${typeOf(child)} | ${fallback} | ${env === undefined ? '' : `\`${env}\``} | ${description} |`);
  }
}

walk(schema, []);
const text = [
  '# Configuration reference',
  '',
  'Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
  '',
  'Roleport reads one YAML file (`--config FILE` or `ROLEPORT_CONFIG`), then `ROLEPORT_*`',
  'environment variables, then command-line flags (later wins). Keys are camelCase; nested',
  'keys are written as YAML mappings (`keys: {algorithm: ES256}`). A bad value stops start-up',
  'with one line naming the key, the problem and the file; `roleport config check` validates',
  'without starting.',
  '',
  '| key | type | default | environment | description |',
  '|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
writeFileSync(new URL('../docs/configuration.md', import.meta.url), text);
process.stdout.write(`wrote docs/configuration.md (${rows.length} keys)\n`);
