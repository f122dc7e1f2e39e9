import { Breadcrumb, Card, Col, Descriptions, Empty, Row, Skeleton, Space, Table, Tag, Tooltip, Tree, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { JURISDICTION_LEVELS, KIND_LABELS, LEVEL_LABELS, type JurisdictionDto, type JurisdictionLevel } from '../../../../common/geo.js';
import { formatCount } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useJurisdictionFilter } from '../../../app/jurisdiction.js';
import type { PageProps } from '../../../app/modules.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { ChoroplethMap } from '../../../components/lazy.js';
import { geoApi } from '../api.js';
import { childLevel, useChildrenGeojson, useJurisdictionDetail } from '../hooks.js';

interface TreeNode {
  key: string;
  title: ReactNode;
  isLeaf: boolean;
  children?: TreeNode[];
}

/**
 * The jurisdiction tree (children load as nodes open), the chosen node's details (breadcrumbs,
 * counts per level, population; a compound's buildings with vulnerable residents) and a map of
 * its parts coloured by population.
 */
export function GeographyPage({ jurisdictionId }: PageProps) {
  const { t, lang, label } = useI18n();
  const { current } = useJurisdictionFilter();
  const [selectedId, setSelectedId] = useState(jurisdictionId);
  const [children, setChildren] = useState<Map<string, JurisdictionDto[]>>(new Map());
  const [expanded, setExpanded] = useState<string[]>([]);
  const detail = useJurisdictionDetail(selectedId);
  const node = detail.data?.node;
  const map = useChildrenGeojson(node?.id, node?.level);

  useEffect(() => {
    setSelectedId(jurisdictionId);
    setChildren(new Map());
    setExpanded([]);
  }, [jurisdictionId]);

  const loadChildren = useCallback(async (id: string) => {
    const { items } = await geoApi.children(id);
    setChildren((prev) => new Map(prev).set(id, items));
  }, []);

  /** The mark of a code that is not a GB/T 2260 division code (宜昌高新区 420571 and what lies under it). */
  const localMark = (n: { localCode?: boolean }) =>
    n.localCode ? (
      <Tooltip title={t('geo.localCodeHint')}>
        <Tag color="gold" data-testid="local-code" style={{ marginInlineStart: 6 }}>
          {t('geo.localCode')}
        </Tag>
      </Tooltip>
    ) : null;

  const treeData = useMemo<TreeNode[]>(() => {
    if (!current) return [];
    const build = (n: { id: string; name: string; level: string; localCode?: boolean }): TreeNode => {
      const kids = children.get(n.id);
      const title = n.localCode ? (
        <span>
          {n.name}
          {localMark(n)}
        </span>
      ) : (
        n.name
      );
      return { key: n.id, title, isLeaf: n.level === 'entrance', children: kids?.map(build) };
    };
    return [build(current)];
  }, [current, children, t]); // eslint-disable-line react-hooks/exhaustive-deps -- localMark is a new closure each render over t, which is listed

  const levelName = (l: string) => label(LEVEL_LABELS[l as JurisdictionLevel], l);
  const below = childLevel(node?.level);

  return (
    <div data-testid="geography">
      <Typography.Title level={3} className="bw-page-title">
        {t('geo.title')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={7}>
          <Card size="small" title={t('geo.tree')} styles={{ body: { maxHeight: 640, overflow: 'auto' } }}>
            <Tree
              treeData={treeData}
              selectedKeys={[selectedId]}
              expandedKeys={expanded}
              onExpand={(keys) => setExpanded(keys as string[])}
              loadData={(n) => (children.has(String(n.key)) ? Promise.resolve() : loadChildren(String(n.key)))}
              onSelect={(keys) => keys[0] && setSelectedId(String(keys[0]))}
            />
          </Card>
        </Col>
        <Col xs={24} lg={17}>
          <ErrorAlert error={detail.error} onRetry={detail.reload} />
          {!detail.data ? (
            !detail.error && <Skeleton active />
          ) : (
            <Space orientation="vertical" size={16} style={{ width: '100%' }}>
              <Card size="small" title={t('geo.detail')} data-testid="geo-detail">
                <Breadcrumb
                  style={{ marginBottom: 12 }}
                  items={[...detail.data.ancestors, detail.data.node].map((a) => ({
                    key: a.id,
                    title: a.id === selectedId ? a.name : <a onClick={() => setSelectedId(a.id)}>{a.name}</a>,
                  }))}
                />
                <Descriptions
                  size="small"
                  column={{ xs: 1, sm: 2, xl: 3 }}
                  items={[
                    { key: 'name', label: t('common.name'), children: detail.data.node.name },
                    {
                      key: 'code',
                      label: t('common.code'),
                      children: (
                        <span data-testid="geo-code">
                          {detail.data.node.code}
                          {localMark(detail.data.node)}
                        </span>
                      ),
                    },
                    { key: 'level', label: t('common.level'), children: levelName(detail.data.node.level) },
                    {
                      key: 'kind',
                      label: t('common.kind'),
                      children: detail.data.node.kind ? label(KIND_LABELS[detail.data.node.kind], detail.data.node.kind) : '—',
                    },
                    {
                      key: 'population',
                      label: t('common.population'),
                      children: <span data-testid="geo-population">{formatCount(detail.data.population, lang)}</span>,
                    },
                    {
                      key: 'centroid',
                      label: t('geo.centroid'),
                      children: detail.data.node.centroid ? `${detail.data.node.centroid[0].toFixed(4)}, ${detail.data.node.centroid[1].toFixed(4)}` : '—',
                    },
                  ]}
                />
                <div style={{ marginTop: 8 }}>
                  <Typography.Text type="secondary">{t('geo.childCounts')}</Typography.Text>
                  {JURISDICTION_LEVELS.filter((l) => detail.data!.childCounts[l]).map((l) => (
                    <Tag key={l}>
                      {levelName(l)} {formatCount(detail.data!.childCounts[l], lang)}
                    </Tag>
                  ))}
                  {!JURISDICTION_LEVELS.some((l) => detail.data!.childCounts[l]) && <Typography.Text type="secondary">{t('geo.leaf')}</Typography.Text>}
                </div>
              </Card>
              {detail.data.buildings && (
                <Card size="small" title={t('geo.buildings')}>
                  <Table
                    size="small"
                    rowKey="id"
                    pagination={false}
                    dataSource={detail.data.buildings}
                    scroll={{ x: 480 }}
                    onRow={(r) => ({ onClick: () => setSelectedId(r.id), style: { cursor: 'pointer' } })}
                    columns={[
                      { title: t('common.name'), dataIndex: 'name' },
                      { title: t('common.code'), dataIndex: 'code', responsive: ['md'] },
                      { title: t('common.population'), dataIndex: 'population', align: 'right', render: (v: number) => formatCount(v, lang) },
                      { title: t('geo.vulnerable'), dataIndex: 'vulnerable', align: 'right', render: (v: number) => (v ? <Tag color="orange">{v}</Tag> : 0) },
                    ]}
                  />
                </Card>
              )}
              {below && (
                <Card size="small" title={`${t('geo.childrenMap')} · ${levelName(below)}`}>
                  <ErrorAlert error={map.error} onRetry={map.reload} />
                  {map.data ? (
                    map.data.features.length ? (
                      <ChoroplethMap data-testid="geo-map" collection={map.data} contextId={node?.id} onSelect={(p) => setSelectedId(p.id)} />
                    ) : (
                      <Empty description={t('map.empty')} />
                    )
                  ) : (
                    !map.error && <Skeleton active />
                  )}
                </Card>
              )}
            </Space>
          )}
        </Col>
      </Row>
    </div>
  );
}
