#!/usr/bin/env python3
"""Moves the sections of CORE_MESSAGES in src/common/i18n.ts into src/common/messages/<module>.ts.

Run from the repository root: `python3 scripts/move-core-messages.py`. Each `// Section` comment
inside CORE_MESSAGES starts a section; SECTIONS maps its title (a prefix of the comment) to a file.
Keys added to a section since go with it; a section not in SECTIONS stays in CORE_MESSAGES (and is
reported). The keys before the first comment go with the first file. The dictionary is compared
before and after (every key and both texts must be equal), else the files are put back.
Re-runnable after a merge: take the other branch's i18n.ts and run it again.
"""
import json, pathlib, re, subprocess, sys

ROOT = pathlib.Path('.')
I18N = ROOT / 'src/common/i18n.ts'
MSG = ROOT / 'src/common/messages'
# file, constant, one-line doc, section title prefixes (in the order they appear in CORE_MESSAGES)
FILES = [
    ('shell', 'SHELL_MESSAGES', 'the shell: the app name, navigation, top bar, common words, errors and sign-in', ['Navigation', 'Top bar', 'Common words', 'Errors', 'Sign-in']),
    ('dashboard', 'DASHBOARD_MESSAGES', 'the dashboard', ['Dashboard']),
    ('geo', 'GEO_MESSAGES', 'the map and the jurisdiction pages', ['Map', 'Geography']),
    ('tasks', 'TASKS_MESSAGES', 'the task pages', ['Tasks']),
    ('notifications', 'NOTIFICATIONS_MESSAGES', 'notifications and alerts', ['Notifications and alerts']),
    ('population', 'POPULATION_MESSAGES', 'the persons pages: search, import, export, person detail, resident code, merge', ['Persons', 'Population:']),
    ('admin', 'ADMIN_MESSAGES', 'the administration pages', ['Administration']),
    ('journal-log', 'JOURNAL_LOG_MESSAGES', 'the journal page', ['Journal']),
    ('control', 'CONTROL_MESSAGES', 'control status (管控状态)', ['Control status']),
    ('testing', 'TESTING_MESSAGES', 'mass testing (核酸检测): campaigns, sites, the sampler, the lab, planning and refusals', ['Mass testing', 'Sampling sites', 'Sampler page', 'Lab page', 'Planning', 'Testing refusals']),
    ('public', 'PUBLIC_MESSAGES', 'the public result lookup (no sign-in)', ['Public result lookup']),
]


def dictionary() -> dict:
    code = "import('./src/common/i18n.ts').then((m) => process.stdout.write(JSON.stringify(m.MESSAGES)))"
    return json.loads(subprocess.run(['node', '--import', 'tsx', '-e', code], check=True, capture_output=True, text=True).stdout)


src = I18N.read_text()
start = src.index('const CORE_MESSAGES = {\n')
body_start = src.index('\n', start) + 1
end = src.index('} as const satisfies Record<string, Pair>;\n', body_start)
body = src[body_start:end].split('\n')

sections, title, lines = [], None, []
for line in body:
    m = re.match(r'  // (.*)$', line)
    if m:
        sections.append((title, lines))
        title, lines = m.group(1), [line]
    else:
        lines.append(line)
sections.append((title, lines))

out = {f[0]: [] for f in FILES}
kept = []
for title, lines in sections:
    target = FILES[0][0] if title is None else next((f[0] for f in FILES for p in f[3] if title.startswith(p)), None)
    (out[target] if target else kept).append((title, lines))
    if target is None: print(f'left in CORE_MESSAGES: // {title}', file=sys.stderr)

before = dictionary()
backup = {I18N: src}
for name, const, doc, _ in FILES:
    path = MSG / f'{name}.ts'
    if not out[name]: continue
    if path.exists(): sys.exit(f'{path} exists already')
    text = '\n'.join(l for _, ls in out[name] for l in ls).strip('\n')
    if len(out[name]) == 1: text = re.sub(r'^  // .*\n', '', text)  # the doc line says it
    path.write_text(f"import type {{ Pair }} from '../i18n-pair.js';\n\n/** UI words of {doc}, [Chinese, English]. */\nexport const {const} = {{\n{text}\n}} as const satisfies Record<string, Pair>;\n")
    backup[path] = None

used = [f for f in FILES if out[f[0]]]
imports = ''.join(f"import {{ {c} }} from './messages/{n}.js';\n" for n, c, _, _ in used)
new = src.replace("import type { Pair } from './i18n-pair.js';\n", "import type { Pair } from './i18n-pair.js';\n" + imports, 1)
core_text = '\n'.join(l for _, ls in kept for l in ls).strip('\n')
core_old = src[src.rindex('\n/**', 0, start) + 1:end] + '} as const satisfies Record<string, Pair>;\n'
core_new = f"/** Words not yet given a module file (see scripts/move-core-messages.py). */\nconst CORE_MESSAGES = {{\n{core_text}\n}} as const satisfies Record<string, Pair>;\n" if core_text else ''
new = new.replace(core_old + ('\n' if not core_text else ''), core_new, 1)
spread = ''.join(f'  ...{c},\n' for _, c, _, _ in used)
new = new.replace('  ...CORE_MESSAGES,\n', ('  ...CORE_MESSAGES,\n' if core_text else '') + spread, 1)
new = new.replace(' * Add a key here (or in messages/<module>.ts for newer modules) before using it:', ' * Add a key in messages/<module>.ts (this file assembles them) before using it:', 1)
I18N.write_text(new)

after = dictionary()
if before != after:
    for p, t in backup.items():
        p.write_text(t) if t is not None else p.unlink()
    sys.exit(f'the dictionary changed at {[k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)][:5]}; files put back')
print(f'{len(sections) - len(kept)} of {len(sections)} sections moved into {len(used)} files; the dictionary ({len(after)} keys) is unchanged')
