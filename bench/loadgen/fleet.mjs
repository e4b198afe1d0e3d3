// The runner's child processes (workers, producer): forked with IPC for commands, their stdout read as
// JSON lines, every line also kept in the run directory. Each child exits when the runner disconnects.
import { fork } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { terminate } from './target.mjs';

export class Child {
  constructor(name, module, env, linesFile) {
    this.name = name;
    this.waiting = []; // {kind, resolve}
    this.process = fork(fileURLToPath(new URL(module, import.meta.url)), [], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.pid = this.process.pid;
    this.exited = new Promise((resolve) => this.process.once('exit', resolve));
    createInterface({ input: this.process.stdout }).on('line', (text) => {
      appendFileSync(linesFile, `${JSON.stringify({ from: name, ...JSON.parse(text) })}\n`);
      this.dispatch(JSON.parse(text));
    });
  }

  dispatch(line) {
    if (line.kind === 'error' || line.kind === 'send-error') console.error(`${this.name}: ${line.message}`);
    const at = this.waiting.findIndex((w) => w.kind === line.kind || line.kind === 'error');
    if (at >= 0) {
      const [waiter] = this.waiting.splice(at, 1);
      if (line.kind === 'error') waiter.reject(new Error(`${this.name}: ${line.message}`));
      else waiter.resolve(line);
    }
  }

  /** The next line of `kind` (an 'error' line rejects), within `timeoutMs`. */
  next(kind, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${kind}' within ${timeoutMs / 1000} s`)), timeoutMs);
      const waiter = { kind, resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } };
      this.waiting.push(waiter);
      this.exited.then((code) => waiter.reject(new Error(`${this.name} exited (${code})`)));
    });
  }

  /** Sends a command and waits for its answer of `kind`. */
  ask(command, kind, timeoutMs) {
    const answer = this.next(kind, timeoutMs);
    this.process.send(command);
    return answer;
  }

  async stop() {
    if (this.process.exitCode !== null) return;
    try { this.process.send({ cmd: 'close' }); } catch { /* already gone */ }
    const timer = setTimeout(() => terminate(this.process), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** N workers, worker k on source address 127.0.0.(k+2). */
export class Fleet {
  constructor(count, env, linesFile) {
    this.workers = Array.from({ length: count }, (_, k) =>
      new Child(`worker${k}`, './worker.mjs', { ...env, WORKER_ID: String(k), LOCAL_ADDRESS: `127.0.0.${k + 2}` }, linesFile));
  }

  /** Asks every worker; `commandFor(k)` gives worker k's command. */
  all(commandFor, kind, timeoutMs) {
    return Promise.all(this.workers.map((w, k) => w.ask(commandFor(k), kind, timeoutMs)));
  }

  stop() {
    return Promise.all(this.workers.map((w) => w.stop()));
  }
}
