/// <reference types="vite/client" />
import { lazy, Suspense, type ComponentType } from 'react';

/** Props of the quarantine module's AssignQuarantineButton (src/web/modules/quarantine/components/assign-quarantine-button.tsx). */
interface AssignProps {
  personId: string;
  contactId?: string;
  category?: 'close' | 'secondary';
  onDone?: () => void;
}

// QUARANTINE SPOT: the quarantine module's web pages are built in parallel with these. Its button is
// found by a build-time glob, so this page builds and works whether or not that file exists yet;
// once it does, the button appears on each local contact row. Replace with a direct import when both
// modules have landed.
const found = import.meta.glob<{ AssignQuarantineButton: ComponentType<AssignProps> }>('../../quarantine/components/assign-quarantine-button.tsx');
const loader = Object.values(found)[0];
const Button = loader ? lazy(() => loader().then((m) => ({ default: m.AssignQuarantineButton }))) : null;

/** The quarantine module's "arrange quarantine" button for a contact, when that module is present. */
export function AssignQuarantine(props: AssignProps) {
  if (!Button) return null;
  return (
    <Suspense fallback={null}>
      <Button {...props} />
    </Suspense>
  );
}
