import type { Command } from 'commander';
import { DISTRICTS } from '../../server/demo/city.js';
import { extractDirectives, placeResolverFromNames, type Directive, type PlaceRef } from '../../server/modules/command/index.js';
import { readInput, restore } from './text.js';

/**
 * The demo city's county-level divisions by name (宜昌市: 秭归县, 夷陵区, …), with the short forms
 * reports use for the autonomous counties (长阳县, 长阳). By name only: the command needs no database.
 */
function demoPlaces(): PlaceRef[] {
  const out: PlaceRef[] = [];
  for (const d of DISTRICTS) {
    out.push({ name: d.name, code: d.code });
    const stem = /^(.+?)土家族自治县$/.exec(d.name)?.[1];
    if (stem) out.push({ name: `${stem}县`, code: d.code, unit: `${d.name}疫情防控指挥部` }, { name: stem, code: d.code, unit: `${d.name}疫情防控指挥部` });
  }
  return out;
}

function describe(list: Directive[]): string[] {
  if (!list.length) return ['no directives found (no sentence instructs: 要…, 要求…, 必须…, 确保…, 切实…, 加快…)'];
  return list.map((d) => {
    const who = d.speaker ? `${d.speaker}${d.speakerTitle ? `（${d.speakerTitle}）` : ''}` : '会议';
    const due = d.deadline.dueAt ?? '-';
    return `${d.seq}. [${d.category}] ${who}: ${d.text}\n   owner: ${d.owner.unit}${d.owner.basis === 'hq' ? ' (no place named: HQ)' : ''}; due: ${due} (${d.deadline.phrase ?? 'category default'})`;
  });
}

/**
 * `bulwark directives extract FILE`: restores the report's text (text module), then lists its
 * directives; with `json` an array of objects with text, speaker, category, owner and deadline.
 */
export function runDirectivesExtract(input: Buffer, o: { json?: boolean; name?: string; now?: number; tz?: string }): string {
  const text = restore(input, o.name ?? 'input').text;
  const list = extractDirectives(text, {
    resolvePlace: placeResolverFromNames(demoPlaces()),
    now: o.now ?? Date.now(),
    tz: o.tz ?? process.env.BULWARK_TZ ?? 'Asia/Shanghai',
  });
  return o.json ? JSON.stringify(list, null, 2) : describe(list).join('\n');
}

export function registerDirectives(program: Command): void {
  const directives = program.command('directives').description("A meeting report's directives (部署要求) as a proposed task list");
  directives
    .command('extract')
    .argument('<file>', 'the minutes or published report (text or HTML, any supported encoding; - for standard input)')
    .description('List the directives of a meeting report: text, speaker, category, proposed owner unit and deadline')
    .option('--json', 'print a JSON array of objects (text, speaker, speakerTitle, category, owner, deadline, …)')
    .addHelpText(
      'after',
      [
        '',
        'The text is restored first (see `bulwark text normalize`). Categories: testing, community, command,',
        'opinion, supplies, economy, safety, other. Places are matched by name against the demo city (宜昌市);',
        'a directive naming none is proposed to the city HQ. Deadlines are read from the words (24小时内, 今天,',
        '本周内, 3天内, 立即) from now, in BULWARK_TZ, or are the category default (a local parameter).',
        '',
        'Example:',
        '  bulwark directives extract report.txt --json',
      ].join('\n'),
    )
    .action((file: string, o: { json?: boolean }) => {
      const out = runDirectivesExtract(readInput(file), { json: o.json, name: file });
      console.log(out);
    });
}
