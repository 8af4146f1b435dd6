// Validates an AsyncAPI document (default: docs/asyncapi.yaml) with the official parser and its Avro
// schema parser; prints every error and exits 1 if there is one. Run by .ci/run.
import { Parser } from '@asyncapi/parser';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? new URL('../../docs/asyncapi.yaml', import.meta.url).pathname;
const parser = new Parser();
parser.registerSchemaParser(AvroSchemaParser());
const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of errors.slice(0, 50)) {
  console.error(`${file}: ${d.code}: ${d.message} at ${d.path.join('.')}`);
}
if (errors.length > 0 || !document) {
  console.error(`${file}: ${errors.length} error(s)`);
  process.exit(1);
}
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ${document.messages().length} messages`);
