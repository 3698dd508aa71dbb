// Reading a rule file (the thin side-effect part): the default ships next to the engine.
import { readFile } from 'node:fs/promises';
import { InferenceError } from '../errors.ts';
import { parseRules, type RuleFile } from './rules-schema.ts';

export const DEFAULT_RULES_URL = new URL('./rules.default.yaml', import.meta.url);

export interface LoadedRules {
  readonly rules: RuleFile;
  /** The file's text as read (the rules route shows it). */
  readonly text: string;
  readonly path: string;
}

/** Reads and validates a rule file (JSON by extension or content, else YAML); SAFETY_BAD_RULES. */
export async function loadRules(file: string | URL = DEFAULT_RULES_URL): Promise<LoadedRules> {
  const path = file instanceof URL ? file.pathname : file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new InferenceError('SAFETY_BAD_RULES', `rules file ${path}: cannot read (${code})`);
  }
  if (text.length > 1_000_000)
    throw new InferenceError('SAFETY_BAD_RULES', `rules file ${path}: larger than 1 MB`);
  const name = path.split('/').pop() ?? path;
  return { rules: parseRules(text, name.endsWith('.json') ? 'json' : 'auto', name), text, path };
}
