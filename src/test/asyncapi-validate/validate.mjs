// Validates an AsyncAPI document and the files it references with the AsyncAPI parser's default rules.
// Prints one line per diagnostic, "<file>:<line>:<column> <severity> <rule> <message>", and exits 1 when
// any of them is an error or a warning (information notes and hints pass).
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITIES = ['error', 'warning', 'info', 'hint'];
const document = process.argv[2];
const diagnostics = await fromFile(new Parser(), document).validate();
for (const { source, range, severity, code, message } of diagnostics) {
  const start = range?.start ?? { line: 0, character: 0 };
  console.log(`${source ?? document}:${start.line + 1}:${start.character + 1} ${SEVERITIES[severity]} ${code} ${message}`);
}
const failed = diagnostics.some(({ severity }) => severity <= 1);
console.log(failed ? `${document} is invalid` : `${document} is valid`);
process.exit(failed ? 1 : 0);
