import type { ReactNode } from 'react';

/**
 * A header cell: a plain label, a right-aligned number column (`num`), or a column whose label is
 * read only by screen readers (`hidden`; the class differs by view's stylesheet).
 */
export type Column = string | { label: ReactNode; num?: boolean; hiddenClass?: string };

export const num = (label: ReactNode): Column => ({ label, num: true });
export const hidden = (label: string, hiddenClass = 'sr-only'): Column => ({ label, hiddenClass });

/** The `<thead>` of a data table; `children` are extra cells after the fixed ones (e.g. per-stage columns). */
export function TableHead({ columns, children }: { columns: readonly Column[]; children?: ReactNode }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          typeof c === 'string' ? (
            <th key={i} scope="col">
              {c}
            </th>
          ) : (
            <th key={i} scope="col" className={c.num ? 'num' : undefined}>
              {c.hiddenClass ? <span className={c.hiddenClass}>{c.label}</span> : c.label}
            </th>
          ),
        )}
        {children}
      </tr>
    </thead>
  );
}
