import type { Command } from 'commander';

/** CLI commands for the retention run and (helper D replaces this). */
export function registerSignalPrivacyCommands(_program: Command) {}
