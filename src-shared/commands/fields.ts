/**
 * Typed argument fields: one description drives both the zod validation (console side, HTTP and
 * UI) and the form the command panel renders. Pure: no Node, no DOM.
 */
import { z } from 'zod';

interface FieldBase {
  /** The argument's name on the wire. */
  key: string;
  label: string;
  help?: string;
  /** Absent from the arguments unless given. */
  optional?: boolean;
}

export type FieldSpec =
  | (FieldBase & { kind: 'int'; min: number; max: number; default?: number; unit?: string })
  | (FieldBase & {
      kind: 'number';
      min: number;
      max: number;
      step?: number;
      default?: number;
      unit?: string;
    })
  | (FieldBase & {
      kind: 'text';
      maxLength: number;
      /** Anchored pattern the text must match. */
      pattern?: RegExp;
      patternHint?: string;
      default?: string;
      /** Suggestions shown by the form; any text within the limits is accepted. */
      suggestions?: readonly string[];
    })
  | (FieldBase & {
      kind: 'enum';
      options: readonly (string | number)[];
      default?: string | number;
      unit?: string;
    })
  | (FieldBase & { kind: 'bool'; default?: boolean });

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** The zod schema of one field (without optionality). */
export function fieldSchema(f: FieldSpec): z.ZodType {
  switch (f.kind) {
    case 'int':
      return z.number().int('expected an integer').min(f.min).max(f.max);
    case 'number':
      return finite.pipe(z.number().min(f.min).max(f.max));
    case 'text': {
      let s = z.string().min(1, 'must not be empty').max(f.maxLength);
      if (f.pattern) s = s.regex(f.pattern, f.patternHint ?? `must match ${f.pattern.source}`);
      return s;
    }
    case 'enum': {
      const allowed = f.options;
      return z
        .union([z.string(), z.number()])
        .refine((v) => allowed.includes(v), `expected one of ${allowed.map((o) => String(o)).join(', ')}`);
    }
    case 'bool':
      return z.boolean();
  }
}

/** A strict object schema: unknown arguments are refused, so a typo never goes out. */
export function argsSchema(fields: readonly FieldSpec[]): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) shape[f.key] = f.optional ? fieldSchema(f).optional() : fieldSchema(f);
  return z.object(shape).strict() as unknown as z.ZodType<Record<string, unknown>>;
}

/** A readable reason from a failed parse: `level: Too big: expected number to be <=10`. */
export function firstIssue(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  if (!issue) return `${what}: invalid`;
  if (issue.code === 'unrecognized_keys') {
    return `${what}: unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  }
  const path = issue.path.length ? issue.path.join('.') : what;
  return `${path}: ${issue.message}`;
}

/**
 * Turns form text into a typed value for a field; `undefined` when the input is empty (an
 * optional argument left out). Invalid text is passed through so validation names the problem.
 */
export function coerceField(f: FieldSpec, raw: string | boolean): unknown {
  if (f.kind === 'bool') return raw === true || raw === 'true';
  const text = String(raw).trim();
  if (text === '') return undefined;
  switch (f.kind) {
    case 'int':
    case 'number': {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'enum': {
      const hit = f.options.find((o) => String(o) === text);
      return hit ?? text;
    }
    case 'text':
      return text;
  }
}
