import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { repeatedKeyPaths } from '../json/repeated-keys.js';
import { formatPath, isWithin, toKeyedIssues, UNKNOWN_FIELD, writtenOut, type ConfigIssue } from './config-issues.js';
import { interpolateEnv, type Env } from './interpolate.js';
import { RotaConfigSchema, type RotaConfig } from './rota-config.js';
import type { ConfigResult } from './runtime-types.js';

export type ConfigFormat = 'yaml' | 'json';

const FORMATS: Record<string, ConfigFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/** Aliases are legal YAML, but an alias bomb must not take the gateway down. */
const MAX_ALIAS_COUNT = 100;

/**
 * A configuration is a few levels deep (providers.0.settings.accounts.0.senderList.0);
 * the tree walks after parsing recurse, so a file nested thousands of levels
 * deep (JSON.parse takes it) is refused here instead of overflowing the stack.
 */
const MAX_DEPTH = 64;

/**
 * Parses, interpolates and validates a configuration text. Every problem is
 * reported at once: syntax errors (with line and column), unset variables, and
 * schema problems, each with its path. No message repeats a value from the file.
 */
export function parseConfigText(text: string, format: ConfigFormat, env: Env = process.env): ConfigResult {
  if (text.trim() === '') return { ok: false, issues: [{ path: '(root)', reason: 'the configuration is empty' }] };
  const parsed = format === 'yaml' ? parseYaml(text) : parseJson(text);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  if (parsed.value === null || parsed.value === undefined) {
    return { ok: false, issues: [{ path: '(root)', reason: 'the configuration is empty' }] };
  }
  return validateConfigTree(parsed.value, env);
}

/** Interpolates and validates an already-parsed tree (what a YAML or JSON file holds). */
export function validateConfigTree(tree: unknown, env: Env = process.env): ConfigResult {
  const deep = pathDeeperThan(tree, MAX_DEPTH);
  if (deep) return { ok: false, issues: [{ path: formatPath(deep), reason: `is nested more than ${MAX_DEPTH} levels deep` }] };
  const { value, unresolved } = interpolateEnv(tree, env);
  const result = RotaConfigSchema.safeParse(value);
  const schemaIssues = result.success ? [] : toKeyedIssues(result.error);
  const unknownKeys = schemaIssues.filter((issue) => issue.reason === UNKNOWN_FIELD).map((issue) => issue.keys);
  // Under an unknown key, the problem is the key: how to interpolate its value is no help.
  const interpolationIssues = unresolved
    .filter((u) => !unknownKeys.some((keys) => isWithin(u.keys, keys)))
    .flatMap((u) => u.problems.map((reason) => writtenOut({ keys: u.keys, reason })));
  // A value that could not be interpolated has its issue already; the schema's view of the placeholder adds nothing.
  const shownSchemaIssues = schemaIssues.filter((issue) => issue.reason === UNKNOWN_FIELD || !unresolved.some((u) => isWithin(issue.keys, u.keys)));
  const issues = [...interpolationIssues, ...shownSchemaIssues.map(writtenOut)];
  if (issues.length > 0 || !result.success) {
    return { ok: false, issues: issues.length > 0 ? issues : [{ path: '(root)', reason: 'is invalid' }] };
  }
  return { ok: true, config: result.data as RotaConfig };
}

/** The path of the first value nested deeper than `limit`, found without recursion; undefined when there is none. */
function pathDeeperThan(tree: unknown, limit: number): PropertyKey[] | undefined {
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: tree, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= limit) return path;
    const entries: [PropertyKey, unknown][] = Array.isArray(node) ? node.map((item, index) => [index, item]) : Object.entries(node);
    for (const [key, value] of entries) stack.push({ node: value, path: [...path, key] });
  }
  return undefined;
}

/**
 * Reads a configuration file: YAML for `.yaml`/`.yml`, JSON for `.json`.
 * A missing or unreadable file is an issue naming the path, not an exception.
 */
export async function loadConfigFile(path: string, env: Env = process.env): Promise<ConfigResult> {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    return { ok: false, issues: [{ path: '(file)', reason: `${path}: unsupported file extension; use .yaml, .yml or .json` }] };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, issues: [{ path: '(file)', reason: `${path}: ${describeReadError(error)}` }] };
  }
  return parseConfigText(text, format, env);
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot be read (${code ?? 'unknown error'})`;
}

type ParseResult = { ok: true; value: unknown } | { ok: false; issues: ConfigIssue[] };

const at = (line: number, column: number, reason: string): ConfigIssue => ({ path: `line ${line}, column ${column}`, line, column, reason });

/** The YAML problems that come of an unquoted value beginning with one of YAML's indicators. */
const INDICATOR_CODES: ReadonlySet<string> = new Set(['BAD_SCALAR_START', 'TAG_RESOLVE_FAILED', 'UNEXPECTED_TOKEN']);
const QUOTE_IT = "a value beginning with * & ! | > % @ or ` must be quoted ('…' or \"…\")";

function parseYaml(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // A warning is refused too: an unknown tag (`!x`) takes the value's first word, and what is left is quietly kept.
  const problems = [...document.errors, ...document.warnings];
  const issues = problems.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    // The library's own words point at its API (parseAllDocuments()), not at the file.
    if (error.code === 'MULTIPLE_DOCS') return at(line, col, 'invalid YAML: a second document begins here (---); a configuration is one document');
    const hint = INDICATOR_CODES.has(error.code) ? ` (${QUOTE_IT})` : '';
    return at(line, col, `invalid YAML: ${withoutSource(error.message)}${hint}`);
  });
  // An alias whose anchor is not set (`key: *secret`, an unquoted value) fails only when the tree is built, without
  // a place: found here with its line, and its name (the value) never repeated.
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined || !alias.range) return;
      const { line, col } = lineCounter.linePos(alias.range[0]);
      issues.push(at(line, col, `invalid YAML: an alias (*) whose anchor (&) is not set before it (${QUOTE_IT})`));
    },
    // An anchor names a section to repeat; on a single value it is most likely an unquoted secret
    // beginning with &, whose first word YAML takes as the anchor's name, keeping only the rest.
    Scalar(_, scalar) {
      if (scalar.anchor === undefined || !scalar.range) return;
      const { line, col } = lineCounter.linePos(scalar.range[0]);
      issues.push(at(line, col, `invalid YAML: an anchor (&) on a single value (${QUOTE_IT}; use \${ENV_VAR} to repeat a value)`));
    },
  });
  if (issues.length > 0) return { ok: false, issues };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when the tree is built.
    return { ok: false, issues: [{ path: '(root)', reason: `invalid YAML: ${withoutSource(error instanceof Error ? error.message : String(error))}` }] };
  }
}

function parseJson(text: string): ParseResult {
  try {
    const value: unknown = JSON.parse(text);
    // JSON.parse keeps a repeated key's last value without a word; YAML's parser is told to refuse one (uniqueKeys).
    const repeated = repeatedKeyPaths(text);
    if (repeated.length > 0) return { ok: false, issues: repeated.map((path) => ({ path, reason: 'is written twice in one object; a key may appear once' })) };
    return { ok: true, value };
  } catch (error) {
    // V8's messages may quote the source around the error (a secret, possibly):
    // keep the description, drop the quote, and locate the error ourselves.
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const reason = `invalid JSON: ${describeJsonError(message)}`;
    const offset = position ? Number(position[1]) : locateJsonError(text);
    if (offset === undefined) return { ok: false, issues: [{ path: '(root)', reason }] };
    const { line, column } = lineAndColumn(text, offset);
    return { ok: false, issues: [at(line, column, reason)] };
  }
}

function describeJsonError(message: string): string {
  if (/^Unexpected end of JSON input/.test(message)) return 'the file ends too early';
  const located = /^(.*?) in JSON at position \d+/.exec(message);
  if (located) return lowerFirst(located[1]!);
  if (/^Unexpected token/.test(message)) return 'unexpected character';
  return 'syntax error';
}

/**
 * Where a text stops being JSON, for errors whose message carries no position:
 * the YAML parser reads JSON too and knows where a plain (unquoted) value starts.
 */
function locateJsonError(text: string): number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, schema: 'json' });
  const first = document.errors[0] ?? document.warnings[0];
  return first?.pos[0];
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/** YAML parser messages may quote a scalar from the file; never repeat it. */
function redactQuoted(message: string): string {
  return message.replace(/"[^"\n]*"/g, '"…"').split('\n')[0]!;
}

/**
 * A YAML parser message without the piece of the file it quotes: quoted scalars, and whatever
 * follows its first ": " (`Block scalar header includes extra characters: |<the value>`,
 * `Unresolved tag: !<the value>`), where an unquoted secret would be repeated.
 */
function withoutSource(message: string): string {
  const line = redactQuoted(message);
  const cut = line.indexOf(': ');
  return cut === -1 ? line : line.slice(0, cut);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
