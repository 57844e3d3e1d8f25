// Which processes make up "the command that started me", and a watch that
// says when one of them is gone. Used by scripts/start.mjs; see there for why.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

const HAS_PROC = existsSync('/proc/self/stat');

/** A program that runs package scripts: what a user types to start a command here. */
const PACKAGE_MANAGERS = new Set(['npm', 'npx', 'pnpm', 'pnpx', 'yarn', 'corepack', 'npm-cli', 'npx-cli']);

/**
 * @typedef {{ pid: number, ppid: number, pgid: number, args: string, started?: string, zombie?: boolean }} ProcessInfo
 */

/** @param {number} pid @returns {ProcessInfo | undefined} */
export function processInfo(pid) {
  try {
    if (HAS_PROC) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), args, started: fields[19], zombie: fields[0] === 'Z' };
    }
    const line = execFileSync('ps', ['-o', 'ppid=,pgid=,args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const match = /^(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return match ? { pid, ppid: Number(match[1]), pgid: Number(match[2]), args: match[3] } : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} args */
export function isPackageManager(args) {
  return args.split(/\s+/).some((word) => PACKAGE_MANAGERS.has(basename(word).replace(/\.[cm]?js$/, '')));
}

/**
 * The processes between this one and the command the user ran: the ancestors
 * in this process group (a shell's job), up to the outermost package manager
 * among them (npx, pnpm, npm …). Empty when no package manager started us
 * (`node scripts/start.mjs` typed by hand): then signals reach us directly.
 * @param {number} [pid]
 * @returns {ProcessInfo[]}
 */
export function commandAncestors(pid = process.pid) {
  const self = processInfo(pid);
  if (!self) return [];
  const chain = [];
  for (let current = self.ppid; current > 1; ) {
    const info = processInfo(current);
    if (!info || info.pgid !== self.pgid) break;
    chain.push(info);
    current = info.ppid;
  }
  let outermost = -1;
  chain.forEach((info, index) => {
    if (isPackageManager(info.args)) outermost = index;
  });
  return chain.slice(0, outermost + 1);
}

/** @param {ProcessInfo} recorded */
function isGone(recorded) {
  if (HAS_PROC) {
    const now = processInfo(recorded.pid);
    // A zombie has exited; a different start time is another process under a reused pid.
    return !now || now.zombie === true || now.started !== recorded.started;
  }
  try {
    process.kill(recorded.pid, 0);
    return false;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM';
  }
}

/**
 * Calls `onGone` once, with the first of `processes` found gone, checking every
 * `intervalMs`. The timer never keeps the process alive. Returns a stop function.
 * @param {ProcessInfo[]} processes
 * @param {(gone: ProcessInfo) => void} onGone
 * @param {number} [intervalMs]
 */
export function watchProcesses(processes, onGone, intervalMs = 250) {
  if (processes.length === 0) return () => {};
  const timer = setInterval(() => {
    const gone = processes.find(isGone);
    if (!gone) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
