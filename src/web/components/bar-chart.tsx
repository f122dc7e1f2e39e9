import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { init, use as registerChartParts, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';

// No tooltip: every bar carries its value as a label, and ECharts' tooltip with its axis pointer
// is a fifth of the chart's download (issue 16, "Weight on weak networks").
registerChartParts([BarChart, GridComponent, CanvasRenderer]);

interface Props {
  categories: string[];
  values: number[];
  /** The series' name (what the bars count). */
  seriesName: string;
  /** Called with the index of the clicked bar. */
  onClick?: (index: number) => void;
  /** Index of the highlighted bar. */
  highlight?: number;
  'data-testid'?: string;
}

/**
 * A horizontal bar chart (ECharts, canvas renderer, only the parts it needs). Sets
 * `data-chart-state="ready"` once drawn (and its animation has finished).
 */
export function BarChartView({ categories, values, seriesName, onClick, highlight, ...rest }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const [ready, setReady] = useState(false);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;

  useEffect(() => {
    if (!el.current) return;
    const c = init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('finished', () => setReady(true));
    c.on('click', (p) => clickRef.current?.(p.dataIndex));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (!chart.current) return;
    setReady(false);
    // Merge (not replace): a language switch renames the series without replaying the animation.
    chart.current.setOption(
      {
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', data: categories, inverse: true, axisLabel: { interval: 0 } },
        series: [
          {
            name: seriesName,
            type: 'bar',
            data: values.map((v, i) => ({ value: v, itemStyle: { color: i === highlight ? '#7a0177' : '#b4232a' } })),
            barMaxWidth: 18,
            label: { show: true, position: 'right' },
          },
        ],
      },
      { notMerge: false },
    );
  }, [categories, values, seriesName, highlight]);

  return <div ref={el} className="bw-chart" data-testid={rest['data-testid']} data-chart-state={ready ? 'ready' : 'loading'} />;
}
