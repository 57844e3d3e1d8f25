/**
 * Rows under a header, each column as wide as its widest cell, two spaces
 * apart. The last column is not padded, so a line ends where its text does.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [format(header), ...rows.map(format)];
}
