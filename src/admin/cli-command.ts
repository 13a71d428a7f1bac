// What an admin CLI command is: its options (node:util parseArgs), the ones it
// requires, and what it runs with the services the CLI gives it.
import type { AuditAction } from '../staff/audit-log.js';
import type { AdminService } from './admin-service.js';
import type { ExtensionService } from './extension-service.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandContext {
  admin: AdminService;
  extensions: ExtensionService;
  /** The running backend, for what only it can do (placing a call through Asterisk). */
  backend: { url: string; operatorToken: string | undefined };
  print: (line: string) => void;
  /** Records a change in the audit log, as the operator's API does (actor: the operator, through the CLI). */
  audit: (action: AuditAction, businessId: string | null, detail: string | null, targetId?: string | null) => Promise<void>;
}

export interface CliCommand {
  options: OptionSpec;
  required: string[];
  run(values: OptionValues, context: CommandContext): Promise<void>;
}
