/**
 * The main text of an HTML page, as paragraphs: a small tolerant tag reader builds a tree, then
 * drops what is not the article (scripts, navigation, headers, footers, asides, forms, and any element
 * whose class or id names navigation, share buttons, breadcrumbs, comments, related links or a
 * copyright line), picks the article (an <article>, else the element whose class or id names the
 * content and holds the most text, else the body) and reads its text, one paragraph per block.
 */

interface Node {
  tag: string;
  attrs: string;
  children: (Node | string)[];
  parent?: Node;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW = new Set(['script', 'style', 'textarea', 'title', 'noscript', 'template', 'svg']);
const DROP_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'nav',
  'header',
  'footer',
  'aside',
  'form',
  'iframe',
  'button',
  'select',
  'head',
  'title',
]);
const DROP_NAMES =
  /(^|[\s_-])(nav|navbar|menu|share|bdshare|social|footer|foot|breadcrumbs?|crumbs?|comments?|related|recommend|copyright|toolbar|sidebar|header|top-?bar|pager|print|info|source|meta|time|date|views?)([\s_-]|$)/i;
const MAIN_NAMES = /(^|[\s_-])(article|content|main|text|detail|body|trs_editor|zoom|news|article-content)([\s_-]|\d|$)/i;
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'table',
  'blockquote',
  'br',
  'hr',
  'dd',
  'dt',
  'center',
  'pre',
]);

/** Whether a text looks like an HTML document or fragment rather than plain text. */
export function looksLikeHtml(text: string): boolean {
  return /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html|head|body|div|article|section|p|meta|title)\b/i.test(text);
}

function parse(html: string): Node {
  const root: Node = { tag: '#root', attrs: '', children: [] };
  let cur = root;
  const re = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>|<\/?([a-zA-Z][\w:-]*)([^>]*)>/g;
  let last = 0;
  const lower = html.toLowerCase();
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m.index > last) cur.children.push(html.slice(last, m.index));
    last = re.lastIndex;
    const name = m[1]?.toLowerCase();
    if (!name) continue;
    if (m[0][1] === '/') {
      for (let n: Node | undefined = cur; n && n !== root; n = n.parent) {
        if (n.tag === name) {
          cur = n.parent ?? root;
          break;
        }
      }
      continue;
    }
    const node: Node = { tag: name, attrs: m[2] ?? '', children: [], parent: cur };
    cur.children.push(node);
    if (RAW.has(name)) {
      const close = lower.indexOf(`</${name}`, last);
      const end = close < 0 ? html.length : close;
      node.children.push(html.slice(last, end));
      const gt = close < 0 ? -1 : html.indexOf('>', close);
      last = re.lastIndex = gt < 0 ? html.length : gt + 1;
      continue;
    }
    if (!VOID.has(name) && !m[0].endsWith('/>')) cur = node;
  }
  if (last < html.length) cur.children.push(html.slice(last));
  return root;
}

function names(n: Node): string {
  const out: string[] = [];
  for (const m of n.attrs.matchAll(/\b(class|id|role)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) out.push(m[3] ?? m[4] ?? m[5] ?? '');
  return out.join(' ');
}

function dropped(n: Node): boolean {
  return DROP_TAGS.has(n.tag) || DROP_NAMES.test(names(n));
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  middot: '·',
  times: '×',
  ensp: ' ',
  emsp: ' ',
  copy: '©',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

function textLength(n: Node): number {
  if (dropped(n)) return 0;
  let len = 0;
  for (const c of n.children) len += typeof c === 'string' ? c.replace(/\s+/g, '').length : textLength(c);
  return len;
}

function findAll(n: Node, pick: (n: Node) => boolean, out: Node[] = []): Node[] {
  if (dropped(n)) return out;
  for (const c of n.children) {
    if (typeof c === 'string') continue;
    if (pick(c)) out.push(c);
    findAll(c, pick, out);
  }
  return out;
}

function collect(n: Node, out: string[]): void {
  for (const c of n.children) {
    if (typeof c === 'string') {
      out.push(c.replace(/\s+/g, ' '));
      continue;
    }
    if (dropped(c)) continue;
    if (BLOCK.has(c.tag)) out.push('\n');
    collect(c, out);
    if (BLOCK.has(c.tag)) out.push('\n');
  }
}

/** The page's main text: paragraphs joined by a line break, each trimmed (full-width indents too). */
export function extractMainText(html: string): string {
  const root = parse(html);
  const article = findAll(root, (n) => n.tag === 'article' || n.tag === 'main');
  const candidates = article.length ? article : findAll(root, (n) => MAIN_NAMES.test(names(n)));
  let main = findAll(root, (n) => n.tag === 'body')[0] ?? root;
  let best = -1;
  for (const c of candidates) {
    const len = textLength(c);
    if (len > best) {
      best = len;
      main = c;
    }
  }
  const parts: string[] = [];
  collect(main, parts);
  return decodeEntities(parts.join(''))
    .split('\n')
    .map((line) => line.replace(/^[\s\u3000]+|[\s\u3000]+$/g, ''))
    .filter((line) => line.length > 0)
    .join('\n');
}
