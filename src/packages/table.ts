/** Text layouts KUDO's CLI prints: uitable-style tables and treeprint trees. */

/** Greedy word wrap (long words are kept whole, as go-wordwrap does). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/ +/)) {
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * A uitable table: cells separated by a tab, every cell padded to its column's width
 * (the last column too), cells wider than maxWidth wrapped onto extra lines.
 */
export function table(rows: readonly (readonly string[])[], maxWidth = 0): string {
  const cells = rows.map((r) => r.map((c) => (maxWidth > 0 ? wrap(c.trimEnd(), maxWidth) : c.split('\n'))));
  const cols = Math.max(0, ...rows.map((r) => r.length));
  // Columns are at most maxWidth wide; a single word longer than that overflows its cell.
  const widths = Array.from({ length: cols }, (_, i) => {
    const w = Math.max(0, ...cells.map((r) => Math.max(0, ...(r[i] ?? ['']).map((l) => [...l].length))));
    return maxWidth > 0 ? Math.min(w, maxWidth) : w;
  });
  let out = '';
  for (const r of cells) {
    const height = Math.max(1, ...r.map((c) => c.length));
    for (let line = 0; line < height; line++) {
      out += widths.map((w, i) => (r[i]?.[line] ?? '').padEnd(w + ((r[i]?.[line] ?? '').length - [...(r[i]?.[line] ?? '')].length))).join('\t') + '\n';
    }
  }
  return out;
}

export interface TreeNode {
  text: string;
  children?: TreeNode[];
}

/** A treeprint tree: the root line, then ├──/└── branches with │ guides. Ends with a newline. */
export function tree(root: TreeNode): string {
  const lines = [root.text];
  const walk = (nodes: TreeNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${n.text}`);
      walk(n.children ?? [], prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root.children ?? [], '');
  return lines.join('\n') + '\n';
}
