/** The new-match form: a name, a date, a timer for every stage and the classifier stages to shoot. */
import { useState } from 'react';
import { CLASSIFIER_CODES, type ClassifierCode } from '../../../src-shared/range/scoring';
import { useCall } from './hooks';
import { Field } from '../../components/Field';

export function NewMatch({ onCreated }: { onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [timer, setTimer] = useState('');
  const [codes, setCodes] = useState<ClassifierCode[]>([...CLASSIFIER_CODES]);
  const { call, busy } = useCall();
  return (
    <form
      className="panel match-new"
      onSubmit={(e) => {
        e.preventDefault();
        void call('match.create', {
          name: name.trim(),
          date,
          classifier_stages: codes,
          ...(timer.trim() ? { timer_id: timer.trim() } : {}),
        }).then((m) => {
          if (m) {
            setName('');
            onCreated(m.match.match_id);
          }
        });
      }}
    >
      <h2 className="panel-title">New match</h2>
      <div className="toolbar">
        <Field label="Name">
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={120}
            data-testid="match-name"
          />
        </Field>
        <Field label="Date">
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </Field>
        <Field label="Timer for every stage">
          <input
            value={timer}
            onChange={(e) => setTimer(e.target.value)}
            placeholder="e.g. amg-01"
            maxLength={64}
          />
        </Field>
      </div>
      <fieldset className="classifier-picks">
        <legend className="field-label">Classifier stages (5 strings, best 4; Outer Limits 4, best 3)</legend>
        {CLASSIFIER_CODES.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={codes.includes(c)}
              onChange={(e) =>
                setCodes((cur) =>
                  e.target.checked
                    ? CLASSIFIER_CODES.filter((x) => x === c || cur.includes(x))
                    : cur.filter((x) => x !== c),
                )
              }
            />
            {c}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="match-create">
        Create match
      </button>
    </form>
  );
}
