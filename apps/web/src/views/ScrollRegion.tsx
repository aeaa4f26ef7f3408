/**
 * A horizontally scrollable wrapper for wide tables on narrow screens. It is focusable and
 * labelled so keyboard users can scroll it too (axe: scrollable-region-focusable).
 */
import type { ReactNode } from 'react';

export function ScrollRegion({ children, label, testId }: { children: ReactNode; label?: string; testId?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" tabIndex={0} aria-label={label ?? 'Scrollable table'} data-testid={testId}>
      {children}
    </section>
  );
}
