// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self
// time by area (rota's packages, node_modules packages, node internals, GC,
// native calls) and the heaviest functions. For reading a profile of a benchmark
// run, e.g. GATEWAY_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof".
// Usage: node bench/lib/cpuprofile-summary.js FILE.cpuprofile [TOP=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/cpuprofile-summary.js FILE.cpuprofile [TOP]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const top = Number(topArg ?? 25);

// Each sample's time is the gap to the next one; the node sampled gets it as self time.
const selfMicros = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i + 1] ?? 0;
  selfMicros.set(profile.samples[i], (selfMicros.get(profile.samples[i]) ?? 0) + delta);
}
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

export function areaOf({ url, functionName }) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return '(program: native, outside JS)';
  if (!url) return `native: ${functionName || '(anonymous)'}`;
  const rota = /\/(packages|apps)\/([^/]+)\/dist\//.exec(url);
  if (rota) return `rota ${rota[1]}/${rota[2]}`;
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

const byArea = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0) continue;
  const area = areaOf(node.callFrame);
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
  const key = `${node.callFrame.functionName || '(anonymous)'}  ${area}${node.callFrame.url ? ` ${node.callFrame.url.split('/').slice(-1)[0]}:${node.callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}
const busy = total - (byArea.get('idle') ?? 0);
const show = (map, n) =>
  [...map]
    .filter(([k]) => k !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([k, v]) => console.log(`${((v / busy) * 100).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`));
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of the busy time)`);
console.log('\nby area (self time)');
show(byArea, 40);
console.log(`\nheaviest ${top} functions (self time)`);
show(byFunction, top);
