import { Skeleton } from 'antd';
import { lazy, Suspense, type ComponentProps } from 'react';

// ECharts is large: the graph loads in its own chunk, only on the page that draws it.
const ChainGraphInner = lazy(() => import('./chain-graph.js').then((m) => ({ default: m.ChainGraph })));

export function ChainGraph(props: ComponentProps<typeof ChainGraphInner>) {
  return (
    <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 520 }} />}>
      <ChainGraphInner {...props} />
    </Suspense>
  );
}
