import type { Decoded } from '../../components/barcode-decoder.js';

/**
 * A building's code (楼栋码) is its jurisdiction code, 6–20 digits (the server's rule for
 * jurisdiction codes), posted at the door as a QR code. Pure, so the rule is tested without a browser.
 */
const BUILDING_CODE = /^\d{6,20}$/;

/** The building code a camera read holds, or null when it is something else (a tube label, a resident code, a URL). */
export function buildingCodeOf(d: Decoded): string | null {
  const v = d.text.trim();
  return !d.linear && BUILDING_CODE.test(v) ? v : null;
}
