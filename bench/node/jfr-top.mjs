// The hottest methods of a flight recording: where the service's CPU samples fall, by the method that
// was running (self) and by every method on the stack (total), with their share of all samples.
//
// Usage: node jfr-top.mjs RECORDING.jfr [COUNT=25] [FILTER]   (FILTER: only samples whose stack names it)
import { execFileSync } from 'node:child_process';

const [file, count = '25', filter] = process.argv.slice(2);
if (!file) { console.error('usage: node jfr-top.mjs RECORDING.jfr [COUNT] [FILTER]'); process.exit(2); }
const json = execFileSync('jfr', ['print', '--json', '--events', 'jdk.ExecutionSample', file], { maxBuffer: 1 << 30 });
const events = JSON.parse(json).recording.events;
const name = (frame) => `${frame.method.type.name}.${frame.method.name}`;
const self = new Map();
const total = new Map();
let samples = 0;
for (const event of events) {
  const frames = event.values.stackTrace?.frames ?? [];
  if (filter && !frames.some((frame) => name(frame).includes(filter))) continue;
  samples++;
  if (frames.length) self.set(name(frames[0]), (self.get(name(frames[0])) ?? 0) + 1);
  for (const method of new Set(frames.map(name))) total.set(method, (total.get(method) ?? 0) + 1);
}
const top = (map) => [...map].sort((x, y) => y[1] - x[1]).slice(0, Number(count))
  .map(([method, n]) => `${(100 * n / samples).toFixed(1).padStart(5)}%  ${method}`).join('\n');
console.log(`${samples} samples${filter ? ` with ${filter} on the stack` : ''}\n\nself:\n${top(self)}\n\ntotal:\n${top(total)}`);
