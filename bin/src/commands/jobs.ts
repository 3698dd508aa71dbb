import { CliError } from '../errors.ts';
import type { CommandContext } from './context.ts';

export const jobsUsage = 'usage: aima jobs create|list|show|start|pause|resume|cancel ... [--json]';

export async function jobsCommand(argv: string[], ctx: CommandContext): Promise<number> {
  void argv;
  void ctx;
  throw new CliError('CLI_USAGE', jobsUsage);
}
