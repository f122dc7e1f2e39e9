import { Skeleton } from 'antd';
import { lazy, Suspense, type ComponentProps } from 'react';

// MapLibre is large: the testing maps load it in their own chunk, only when drawn.
const CoverageMapInner = lazy(() => import('./coverage-map.js').then((m) => ({ default: m.CoverageMap })));
const SitesMapInner = lazy(() => import('./sites-map.js').then((m) => ({ default: m.SitesMap })));

export function CoverageMap(props: ComponentProps<typeof CoverageMapInner>) {
  return (
    <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 300 }} />}>
      <CoverageMapInner {...props} />
    </Suspense>
  );
}

export function SitesMap(props: ComponentProps<typeof SitesMapInner>) {
  return (
    <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 300 }} />}>
      <SitesMapInner {...props} />
    </Suspense>
  );
}
