import type { ReactNode } from 'react';
import type { Tone } from '../lib/format';

/** A coloured dot plus a word: status is never carried by colour alone. */
export function Status({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`status status--${tone}`} data-testid={testId} data-tone={tone}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-text">{children}</span>
    </span>
  );
}

export function EmptyState({
  title,
  children,
  testId,
}: {
  title: string;
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="empty" role="status" data-testid={testId ?? 'empty-state'}>
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

export function InlineError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="inline-error" role="alert">
      {message}
    </p>
  );
}
