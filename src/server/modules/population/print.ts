/**
 * The printable resident-code sheet of one building: an HTML page (no script, so it passes the
 * app's Content-Security-Policy) with one card per person: the QR code as inline SVG, the masked
 * name, the room, and whether the person is a resident or staying there. The browser prints it
 * (Ctrl+P); cards never break across pages.
 */
import QRCode from 'qrcode';
import { maskName } from './names.js';

export interface SheetEntry {
  name: string;
  room: string | null;
  resident: boolean;
  /** Residence path (entrance or building) of the person. */
  path: string;
  payload: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function residentCodeSheet(o: {
  title: string;
  issuedAt: number;
  tz: string;
  entries: SheetEntry[];
  placeText: (path: string) => string;
}): Promise<string> {
  const when = new Intl.DateTimeFormat('zh-CN', { timeZone: o.tz, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(o.issuedAt));
  const cards: string[] = [];
  for (const e of o.entries) {
    const svg = await QRCode.toString(e.payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    const place = o.placeText(e.path).replace(o.title, '') || '';
    cards.push(
      `<figure class="card">${svg}<figcaption><b>${escapeHtml(maskName(e.name))}</b><span>${escapeHtml(place)}${e.room ? ` ${escapeHtml(e.room)}室` : ''}</span>` +
        `<small>${e.resident ? '居民 resident' : '暂住 staying'}</small></figcaption></figure>`,
    );
  }
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>居民码 Resident codes · ${escapeHtml(o.title)}</title>
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:16px;color:#111}
header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid #999;margin-bottom:12px}
h1{font-size:18px;margin:0 0 6px}
.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}
.card{margin:0;border:1px dashed #888;padding:8px;text-align:center;break-inside:avoid;page-break-inside:avoid}
.card svg{width:100%;height:auto;max-width:160px}
figcaption{display:flex;flex-direction:column;gap:2px;font-size:13px}
small,.note{color:#555;font-size:11px}
@media print{.note{display:none}body{margin:0}}
</style></head><body>
<header><h1>居民码 · ${escapeHtml(o.title)}</h1><span class="note">共 ${o.entries.length} 人 · 生成于 ${escapeHtml(when)} · 使用浏览器打印 (Ctrl+P) / print with your browser</span></header>
<main class="grid">${cards.join('\n')}</main>
</body></html>`;
}
