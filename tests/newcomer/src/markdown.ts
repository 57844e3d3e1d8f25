import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './processes.js';

/** Every Markdown file git tracks, as paths from the repository root. */
export function committedMarkdown(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '');
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export interface CodeBlock {
  file: string;
  /** The info string after the opening fence: `sh`, `ts`, `js`, … */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

/** The fenced code blocks of a Markdown text. */
export function codeBlocks(file: string, markdown: string = readRepoFile(file)): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence); j++) body.push(lines[j]!.slice(open[1]!.length));
    blocks.push({ file, lang: open[3]!, line: i + 1, text: body.length === 0 ? '' : `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

/** The command lines of the shell blocks: continuation lines joined, comment lines and blank lines left out. */
export function shellLines(block: CodeBlock): string[] {
  const joined = block.text.replace(/\\\n\s*/g, '');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Every command line of every `sh` block of the given files, with where it was found. */
export function documentedCommands(files: readonly string[]): { file: string; line: string }[] {
  return files.flatMap((file) =>
    codeBlocks(file)
      .filter((block) => block.lang === 'sh' || block.lang === 'bash' || block.lang === 'shell')
      .flatMap((block) => shellLines(block).map((line) => ({ file, line }))),
  );
}

/** A trailing `# comment` of a shell line, and the line without it (quotes respected). */
export function splitComment(line: string): { command: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return { command: line.slice(0, i).trim(), comment: line.slice(i + 1).trim() };
  }
  return { command: line.trim(), comment: '' };
}
