// Machine facts and the markdown table each scenario ends with (printed and written to bench/results/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { commandLine } from './procstat.mjs';
import { REPO } from './target.mjs';

/** What a command prints, stderr first (java -version writes there). */
const output = (command, args) => {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return `${run.stderr ?? ''}${run.stdout ?? ''}`;
};
const packageVersion = (name) => JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;

function kafkaVersion() {
  const file = join(REPO, 'tools/kafka/target/classpath.txt');
  const match = existsSync(file) && /kafka_[\d.]+-([\d.]+)\.jar/.exec(readFileSync(file, 'utf8'));
  return match ? match[1] : 'unknown';
}

/** Facts about the machine and the processes measured; `pids` maps a name to a pid. */
export function machineFacts(pids) {
  const jvmFlags = commandLine(pids.target).filter((a) => /^-X|^-XX/.test(a));
  const pom = readFileSync(join(REPO, 'pom.xml'), 'utf8');
  return {
    host: `${os.hostname()}, Linux ${os.release()}`,
    nproc: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    'load average (1/5/15 min)': os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    node: process.version,
    java: output('java', ['-version']).split('\n')[0].trim(),
    'target command': commandLine(pids.target).slice(0, 1).join(' ') || 'unknown',
    'target JVM flags': jvmFlags.length ? jvmFlags.join(' ') : '(defaults)',
    'escrow-realtime': /<artifactId>escrow-realtime<\/artifactId>\s*<version>([^<]+)</.exec(pom)?.[1] ?? 'unknown',
    kafka: kafkaVersion(),
    'ws / kafkajs': `${packageVersion('ws')} / ${packageVersion('kafkajs')}`,
    clocks: 'every process runs on this machine and reads one system clock',
  };
}

export function markdownTable(columns, rows) {
  const cell = (v) => (v == null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return [
    `| ${columns.map((c) => c.title).join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c.key])).join(' | ')} |`),
  ].join('\n');
}

/**
 * Writes bench/results/<scenario>-<timestamp>.md, and beside it the same tables as data (.json, what plot.mjs
 * draws from); returns the markdown's path and text. `tables`: [{heading, columns, rows}].
 */
export function writeResult({ scenario, title, label, command, facts, tables, notes, resultsDir }) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const text = [
    `# ${title}`,
    '',
    `Command: \`${command}\``,
    '',
    ...tables.flatMap(({ heading, columns, rows }) => [`## ${heading}`, '', markdownTable(columns, rows), '']),
    ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
    '## Machine',
    '',
    ...Object.entries(facts).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ].join('\n');
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${scenario}-${stamp}.md`);
  writeFileSync(path, text);
  writeFileSync(path.replace(/\.md$/, '.json'), `${JSON.stringify({ scenario, title, label, command, facts, tables, notes }, null, 1)}\n`);
  return { path, text };
}
