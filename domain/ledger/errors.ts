/**
 * A ledger command broke a rule. `rule` is a stable kebab-case name the API, the audit trail and the
 * tests match on; the message explains the case. Deciders throw it before producing any event, so
 * nothing is appended when it is raised.
 */
export class LedgerRuleError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'LedgerRuleError';
  }
}

export const refuse = (rule: string, detail: string): never => {
  throw new LedgerRuleError(rule, detail);
};
