// A socket.io-client the .NET tests drive over stdin/stdout, one JSON object per line.
//   node client.mjs <url> <options-json>    options: { path, query, transports, reconnection, ... } (socket.io-client options)
// stdout: {"type":"connect","id":..} | {"type":"event","name":..,"args":[..]} | {"type":"connect_error","message":..,"data":..}
//         {"type":"disconnect","reason":..} | {"type":"ready"}
// stdin:  {"op":"emit","event":..,"args":[..]} | {"op":"disconnect"} | {"op":"exit"}
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const [url, optionsJson] = process.argv.slice(2);
const options = { transports: ["websocket"], reconnection: false, ...JSON.parse(optionsJson ?? "{}") };
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

const socket = io(url, options);
socket.on("connect", () => out({ type: "connect", id: socket.id }));
socket.on("connect_error", (err) => out({ type: "connect_error", message: err.message, data: err.data ?? null }));
socket.on("disconnect", (reason) => out({ type: "disconnect", reason }));
socket.onAny((name, ...args) => out({ type: "event", name, args }));

createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  if (cmd.op === "emit") socket.emit(cmd.event, ...(cmd.args ?? []));
  else if (cmd.op === "disconnect") socket.disconnect();
  else if (cmd.op === "exit") { socket.close(); process.exit(0); }
}).on("close", () => { socket.close(); process.exit(0); });
out({ type: "ready" });
