/** A tiny argv reader for the CLIs: `--name value`, `--flag`, repeated names collect. */
export class ArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgError';
  }
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
}

export const parseArgs = (
  argv: readonly string[],
  spec: { values: readonly string[]; flags: readonly string[] },
): ParsedArgs => {
  const positional: string[] = [];
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.flags.includes(name)) {
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new ArgError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), v]);
    } else {
      throw new ArgError(
        `unknown option --${name}; known: ${[...spec.values, ...spec.flags].map((x) => `--${x}`).join(', ')}`,
      );
    }
  }
  return { positional, values, flags };
};

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A finite number written in decimals (an exponent allowed), or undefined: Number() also reads 0x10, " 5", "". */
export const decimalNumber = (text: string): number | undefined => {
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** `k=v` pairs: numbers and booleans become numbers and booleans, the rest stay text. */
export const parseAssignments = (pairs: readonly string[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const p of pairs.flatMap((x) => x.split(',')).filter(Boolean)) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ArgError(`parameter "${p}" must look like name=value`);
    const k = p.slice(0, eq);
    const v = p.slice(eq + 1);
    // Decimal numbers only: Number() would also read 0x10 as 16, " 5" as 5 and "" as 0.
    out[k] = v === 'true' ? true : v === 'false' ? false : (decimalNumber(v) ?? v);
  }
  return out;
};
