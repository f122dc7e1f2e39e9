import { Skeleton } from 'antd';
import { lazy, Suspense, type ComponentProps } from 'react';

// MapLibre and ECharts are large: each loads in its own chunk, only on pages that draw them.
const ChoroplethMapInner = lazy(() => import('./choropleth-map.js').then((m) => ({ default: m.ChoroplethMap })));
const BarChartInner = lazy(() => import('./bar-chart.js').then((m) => ({ default: m.BarChartView })));

export function ChoroplethMap(props: ComponentProps<typeof ChoroplethMapInner>) {
  return (
    <Suspense fallback={<Skeleton.Node active style={{ width: '100%', height: 300 }} />}>
      <ChoroplethMapInner {...props} />
    </Suspense>
  );
}

export function BarChartView(props: ComponentProps<typeof BarChartInner>) {
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
      <BarChartInner {...props} />
    </Suspense>
  );
}
