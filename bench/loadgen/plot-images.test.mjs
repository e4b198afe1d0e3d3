// node --test bench/loadgen/plot-images.test.mjs: a sitting's README links only the plot files that exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { plotImages } from './plot-images.mjs';

const dirs = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'plot-images-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const linked = (line) => /\]\(([^)]+)\)$/.exec(line)[1];

test('links the SVG when no PNG was rendered (no Chromium)', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'fanout-latency.svg'), '<svg/>');
  assert.deepEqual(plotImages(dir, ['fanout-latency']), ['![fanout-latency.svg](fanout-latency.svg)']);
});

test('links the PNG when Chromium rendered one', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'capacity-rss.svg'), '<svg/>');
  writeFileSync(join(dir, 'capacity-rss.png'), '');
  assert.deepEqual(plotImages(dir, ['capacity-rss']), ['![capacity-rss.png](capacity-rss.png)']);
});

test('links nothing for a plot that was not written', () => {
  assert.deepEqual(plotImages(scratch(), ['fanout-latency']), []);
});

test('links what plot.mjs wrote, with or without Chromium on this machine', () => {
  const dir = scratch();
  const result = join(dir, 'fanout-run.json');
  writeFileSync(result, JSON.stringify({ label: 'run', tables: [{ columns: [], rows: [
    { deliveriesPerSecond: 500, p50: 2, p99: 9 }, { deliveriesPerSecond: 1000, p50: 3, p99: 14 }] }] }));
  const plot = spawnSync('node', [fileURLToPath(new URL('./plot.mjs', import.meta.url)), join(dir, 'fanout-latency.svg'),
    '--x', 'deliveriesPerSecond', '--y', 'p99,p50', '--log-y', result], { encoding: 'utf8' });
  assert.equal(plot.status, 0, plot.stderr);

  const images = plotImages(dir, ['fanout-latency']);
  assert.equal(images.length, 1);
  assert.ok(existsSync(join(dir, linked(images[0]))), `${images[0]} links a file that plot.mjs did not write`);
});
