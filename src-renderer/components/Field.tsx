import type { ReactNode } from 'react';

/** A form control with its visible label; the `<label>` wraps the control so no id is needed. */
export function Field({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
    </label>
  );
}
