import { CliError } from '../errors.ts';
import type { CommandContext } from './context.ts';

export const workerUsage = 'usage: aima worker --server URL --token JOIN_TOKEN | aima worker token [--json]';

export async function workerCommand(argv: string[], ctx: CommandContext): Promise<number> {
  void argv;
  void ctx;
  throw new CliError('CLI_USAGE', workerUsage);
}
