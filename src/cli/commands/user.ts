import type { Command } from 'commander';

/** `bulwark user add|disable|reset-password`. Filled in by the identity work. */
export function registerUser(_program: Command): void {}
