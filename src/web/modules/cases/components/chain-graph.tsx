import { GraphChart } from 'echarts/charts';
import { LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerChartParts, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import type { GraphEdge, GraphNode } from '../../../../common/cases.js';

registerChartParts([GraphChart, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Props {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Legend names: [cases, close contacts, secondary contacts]. */
  categoryNames: [string, string, string];
  /** Edge labels by kind. */
  edgeNames: Record<GraphEdge['kind'], string>;
  /** Status text of a node for the tooltip. */
  statusText(node: GraphNode): string;
  onOpenCase?(id: string): void;
}

const COLORS = ['#b4232a', '#d46b08', '#d4b106'];

/**
 * The chain of transmission as an ECharts force graph (canvas): cases red (confirmed larger than
 * asymptomatic), close contacts orange, secondary contacts yellow; transmission edges solid, contact
 * edges dashed. Masked names only. `data-chart-state="ready"` once drawn, `data-node-count` the nodes.
 */
export function ChainGraph({ nodes, edges, categoryNames, edgeNames, statusText, onOpenCase }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const [ready, setReady] = useState(false);
  const openRef = useRef(onOpenCase);
  openRef.current = onOpenCase;

  useEffect(() => {
    if (!el.current) return;
    const c = init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('finished', () => setReady(true));
    c.on('click', (p) => {
      const d = p.data as { id?: string; nodeType?: string } | undefined;
      if (p.dataType === 'node' && d?.nodeType === 'case' && d.id) openRef.current?.(d.id);
    });
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
    const cat = (n: GraphNode) => (n.type === 'case' ? 0 : n.category === 'close' ? 1 : 2);
    chart.current.setOption(
      {
        tooltip: {
          formatter: (p: { dataType: string; data: { name?: string; status?: string; kindName?: string } }) =>
            p.dataType === 'node' ? `${p.data.name} · ${p.data.status}` : (p.data.kindName ?? ''),
        },
        legend: [{ data: categoryNames, top: 0 }],
        series: [
          {
            type: 'graph',
            layout: 'force',
            roam: true,
            draggable: true,
            // No grow-in animation: a graph of a few hundred nodes is drawn at once, and reads the same every time.
            animation: false,
            force: { repulsion: 160, edgeLength: [50, 110], gravity: 0.08, layoutAnimation: false },
            categories: categoryNames.map((name, i) => ({ name, itemStyle: { color: COLORS[i] } })),
            label: { show: true, position: 'right', fontSize: 11 },
            edgeSymbol: ['none', 'arrow'],
            edgeSymbolSize: 7,
            data: nodes.map((n) => ({
              id: n.id,
              name: n.label,
              nodeType: n.type,
              status: statusText(n),
              category: cat(n),
              symbolSize: n.type === 'case' ? (n.category === 'confirmed' ? 30 : 24) : 14,
              symbol: n.type === 'case' ? 'circle' : 'roundRect',
            })),
            links: edges.map((e) => ({
              source: e.from,
              target: e.to,
              kindName: edgeNames[e.kind],
              lineStyle: {
                type: e.kind === 'contact' ? 'dashed' : 'solid',
                width: e.kind === 'contact' ? 1 : 2.5,
                color: e.kind === 'contact' ? '#999' : '#b4232a',
                curveness: 0.05,
              },
            })),
          },
        ],
      },
      { notMerge: true },
    );
  }, [nodes, edges, categoryNames, edgeNames, statusText]);

  return (
    <div
      ref={el}
      style={{ width: '100%', height: 520 }}
      data-testid="chain-graph"
      data-chart-state={ready ? 'ready' : 'loading'}
      data-node-count={nodes.length}
    />
  );
}
