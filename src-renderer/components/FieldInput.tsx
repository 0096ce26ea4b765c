/** One input for one typed field (src-shared/commands/fields.ts): number, text with suggestions, choice, checkbox. */
import type { FieldSpec } from '../../src-shared/commands';

export function FieldInput({
  field,
  value,
  onChange,
  idPrefix,
}: {
  field: FieldSpec;
  value: string | boolean;
  onChange: (v: string | boolean) => void;
  idPrefix: string;
}) {
  const id = `${idPrefix}-${field.key}`;
  const unit = 'unit' in field && field.unit ? ` (${field.unit})` : '';
  const label = `${field.label}${unit}${field.optional ? ', optional' : ''}`;
  const testId = `command-arg-${field.key}`;
  let input;
  switch (field.kind) {
    case 'int':
    case 'number':
      input = (
        <input
          id={id}
          type="number"
          inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.kind === 'int' ? 1 : (field.step ?? 'any')}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
      );
      break;
    case 'text': {
      const listId = field.suggestions ? `${id}-list` : undefined;
      input = (
        <>
          <input
            id={id}
            type="text"
            maxLength={field.maxLength}
            list={listId}
            value={String(value)}
            onChange={(e) => onChange(e.target.value)}
            data-testid={testId}
            autoComplete="off"
          />
          {listId ? (
            <datalist id={listId}>
              {field.suggestions!.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </>
      );
      break;
    }
    case 'enum':
      input = (
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
          {field.optional ? <option value="">—</option> : null}
          {field.options.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'bool':
      input = (
        <input
          id={id}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
          data-testid={testId}
        />
      );
      break;
  }
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {input}
      {field.help ? <span className="field-hint">{field.help}</span> : null}
    </div>
  );
}
