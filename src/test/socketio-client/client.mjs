// Drives one official socket.io-client for a Java test: commands arrive as JSON lines on stdin, everything the
// client sees leaves as JSON lines on stdout. The client connects through a small TCP relay of its own, so
// that a test can cut the network ("drop") and point the relay at another server ("target").
import { createInterface } from "node:readline";
import net from "node:net";
import { io } from "socket.io-client";

let target = null;        // {host, port} the relay forwards to
const links = new Set();  // open relayed connections
const relay = net.createServer((client) => {
  const upstream = net.connect(target.port, target.host);
  const link = { client, upstream };
  links.add(link);
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => { links.delete(link); client.destroy(); upstream.destroy(); };
  client.on("error", end); upstream.on("error", end); client.on("close", end); upstream.on("close", end);
});
await new Promise((resolve) => relay.listen(0, "127.0.0.1", resolve));

let socket = null;
const out = (line) => process.stdout.write(JSON.stringify(line) + "\n");

function connect(command) {
  const url = new URL(command.url);
  target = { host: url.hostname, port: Number(url.port) };
  const options = Object.assign({ reconnectionDelay: 100, reconnectionDelayMax: 200 }, command.options || {});
  if (command.auth) options.auth = command.auth;
  // the path of the URL names the namespace, as in io("https://host/admin")
  socket = io(`http://127.0.0.1:${relay.address().port}${url.pathname}`, options);
  socket.on("connect", () => out({ event: "connect", id: socket.id, recovered: socket.recovered,
    transport: socket.io.engine.transport.name, engine: socket.io.engine.id }));
  socket.io.on("reconnect_attempt", (attempt) => out({ event: "reconnect_attempt", attempt }));
  socket.on("connect_error", (err) => out({ event: "connect_error", message: err.message, description: String(err.description ?? ""), type: err.type }));
  socket.on("disconnect", (reason) => out({ event: "disconnect", reason }));
  socket.io.engine.on("upgrade", (transport) => out({ event: "upgrade", transport: transport.name }));
  socket.onAny((name, ...args) => out({ event: "message", name, args }));
}

const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  const command = JSON.parse(line);
  switch (command.op) {
    case "connect":
      connect(command);
      break;
    case "emit":
      socket.emit(command.name, command.body, (reply) => out({ event: "ack", ref: command.ref, reply }));
      break;
    case "reconnect": // e.g. after connect_error: a refreshed token, then socket.connect() again
      socket.auth = command.auth;
      socket.connect();
      out({ event: "reconnecting" });
      break;
    case "drop": // the network fails: every relayed connection is cut, the client reconnects by itself
      for (const link of links) { link.client.destroy(); link.upstream.destroy(); }
      out({ event: "dropped" });
      break;
    case "target": // later connections go to another server (as a load balancer would send them)
      target = { host: new URL(command.url).hostname, port: Number(new URL(command.url).port) };
      out({ event: "targeted" });
      break;
    case "state":
      out({ event: "state", connected: socket.connected, transport: socket.io.engine?.transport?.name });
      break;
    case "close":
      socket.close();
      relay.close();
      out({ event: "closed" });
      process.exit(0);
  }
});
commands.on("close", () => process.exit(0));
