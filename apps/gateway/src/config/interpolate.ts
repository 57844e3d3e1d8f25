/**
 * `${ENV_VAR}` interpolation over the PARSED configuration tree: only string
 * values are rewritten, each on its own, so a variable's value is always just
 * a string — it can never add keys, lists or YAML syntax to the file.
 *
 *   ${NAME}            the variable; an error naming it (and where it is used) when unset
 *   ${NAME:-fallback}  the variable, or `fallback` when it is unset or empty (as in sh)
 *   $${                a literal `${`
 *
 * Keys are left alone. A value that is a number or boolean in the file stays one;
 * interpolation always yields strings (the port also accepts a string of digits).
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** A string value that could not be interpolated: where, and why (each reason names the variable, never a value). */
export interface Unresolved {
  keys: PropertyKey[];
  problems: string[];
}

export interface InterpolationResult {
  value: unknown;
  unresolved: Unresolved[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateEnv(tree: unknown, env: Env): InterpolationResult {
  const unresolved: Unresolved[] = [];

  const visit = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, env);
      if (result.ok) return result.value;
      unresolved.push({ keys: path, problems: result.problems });
      // A placeholder unique to this value, so that cross-field checks (distinct keys) do not misfire on it.
      return `\u0000unresolved:${unresolved.length}`;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, [...path, key])]));
    }
    return node;
  };

  return { value: visit(tree, []), unresolved };
}

type StringResult = { ok: true; value: string } | { ok: false; problems: string[] };

/** Interpolates one string. Problems name the variable, never its value. */
export function interpolateString(text: string, env: Env): StringResult {
  let out = '';
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      problems.push('has "${" without a closing "}" (write "$${" for a literal "${")');
      break;
    }
    const body = text.slice(i + 2, close);
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    const fallback = separator === -1 ? undefined : body.slice(separator + 2);
    i = close + 1;
    if (!NAME.test(name)) {
      // The text is not echoed: a literal "${" inside a password would otherwise leak part of it.
      problems.push('has a "${…}" that is not a variable name (letters, digits and _, not starting with a digit); write "$${" for a literal "${"');
      continue;
    }
    const value = env[name];
    if (value !== undefined && (value !== '' || fallback === undefined)) out += value;
    else if (fallback !== undefined) out += fallback;
    else problems.push(`uses the environment variable ${name}, which is not set (set it, or give a default: \${${name}:-default})`);
  }
  return problems.length === 0 ? { ok: true, value: out } : { ok: false, problems };
}
