/**
 * Whether a search text is a full identifier (a document number or a mobile number), which the
 * server matches exactly and treats as a disclosure (a purpose, a per-user limit, a journal entry).
 * Shared by the server's search classifier and the web's search box.
 */
export function exactIdentifierKind(q: string): 'id' | 'phone' | null {
  // Full-width digits and Ｘ (typed with a Chinese input method) count as the ASCII ones.
  const compact = q
    .replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(/[\uff38\uff58]/g, 'X')
    .replace(/[\s-]/g, '');
  // Resident IDs (18, or the old 15 digits), passports and 回乡证 numbers.
  if (/^\d{17}[\dXx]$/.test(compact) || /^\d{15}$/.test(compact) || /^[A-Za-z]{1,2}\d{7,10}$/.test(compact)) return 'id';
  if (/^(\+86|0086)?1[3-9]\d{9}$/.test(compact)) return 'phone';
  return null;
}
