import { CliError } from '../errors.ts';
import type { CommandContext } from './context.ts';

export const gpuUsage = 'usage: aima gpu offers|instances|stop-all [--json]';

export async function gpuCommand(argv: string[], ctx: CommandContext): Promise<number> {
  void argv;
  void ctx;
  throw new CliError('CLI_USAGE', gpuUsage);
}
