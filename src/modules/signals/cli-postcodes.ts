import type { Command } from 'commander';

/** CLI commands for the postcode-table import  (helper B replaces this). */
export function registerPostcodeCommands(_program: Command) {}
