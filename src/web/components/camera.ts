/**
 * Why a camera cannot be used for scanning (the sampler's and the grid worker's phones): pure
 * functions, so the rules are tested without a browser. Pages say why and fall back to a hand
 * scanner or the keyboard.
 */

/** Why the camera cannot be used; the page says so and falls back to the scanner gun or typing. */
export type CameraProblem = 'insecure' | 'unsupported' | 'denied' | 'noCamera' | 'busy' | 'decoder';

/**
 * What stands in the camera's way before asking for it: browsers give cameras only to secure pages
 * (HTTPS or localhost), and some (old WebViews) have no camera API at all.
 */
export function cameraPrecondition(env: { isSecureContext: boolean; hasGetUserMedia: boolean }): CameraProblem | null {
  if (!env.isSecureContext) return 'insecure';
  if (!env.hasGetUserMedia) return 'unsupported';
  return null;
}

/** The reason a getUserMedia() failure stands for (DOMException names, as browsers report them). */
export function cameraProblemOf(err: unknown): CameraProblem {
  const name = err && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'PermissionDeniedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'noCamera';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'busy';
  if (name === 'TypeError') return 'unsupported';
  return 'busy';
}
