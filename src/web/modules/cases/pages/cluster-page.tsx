import { App, Card, Descriptions, Input, Select, Space, Typography } from 'antd';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { CaseKind, ContactCategory, GraphEdge, GraphNode } from '../../../../common/cases.js';
import { CASE_LIMITS } from '../../../../common/cases.js';
import { CONTROL_STATUS_LABELS, type ControlStatus } from '../../../../common/control.js';
import { useSession } from '../../../app/session.js';
import { useAction } from '../../../app/use-action.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { casesApi } from '../api.js';
import { ClusterStatusTag } from '../components/case-bits.js';
import { ChainGraph } from '../components/lazy.js';
import { PresetName } from '../../../components/preset-name.js';

type ContactsFilter = 'all' | ContactCategory | 'none';

/**
 * One cluster (一起疫情) and its chain of transmission: cases and contacts (masked) with filters
 * by contact category and case kind (server side), by status and by report date (here: cases reported
 * after the day are left out with the contacts hanging from them). A click on a case opens it.
 */
export function ClusterPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang, label } = useI18n();
  const navigate = useNavigate();
  const [contacts, setContacts] = useState<ContactsFilter>('all');
  const [kind, setKind] = useState<CaseKind | undefined>(undefined);
  const [statuses, setStatuses] = useState<string[]>([]);
  const [until, setUntil] = useState('');
  const cluster = useRemote((signal) => casesApi.cluster(id, signal), [id]);
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const rename = useAction((fn: () => Promise<unknown>) => fn(), {
    onSuccess: () => {
      message.success(t('clusters.renamed'));
      cluster.reload();
    },
    onError: (err) => message.error(errorText(err)),
  });
  const graph = useRemote(
    (signal) =>
      casesApi.graph(
        id,
        { kind, contacts: contacts === 'none' ? 'false' : 'true', category: contacts === 'close' || contacts === 'secondary' ? contacts : undefined },
        signal,
      ),
    [id, kind, contacts],
  );
  // Report dates of the cluster's cases, for the date filter.
  const cases = useRemote((signal) => casesApi.list({ clusterId: id, limit: 200 }, signal), [id]);

  const statusText = useCallback(
    (n: GraphNode) => {
      if (n.type === 'case')
        return n.status === 'treatment' || n.status === 'recovered' || n.status === 'discharged' ? t(`cases.clinical.${n.status}`) : n.status;
      const l = CONTROL_STATUS_LABELS[n.status as ControlStatus];
      return l ? label(l) : n.status === 'open' || n.status === 'closed' ? t(`cases.contactStatus.${n.status}`) : n.status;
    },
    [t, label],
  );

  const view = useMemo(() => {
    const g = graph.data;
    if (!g) return { nodes: [] as GraphNode[], edges: [] as GraphEdge[] };
    const reported = new Map((cases.data?.items ?? []).map((c) => [c.id, c.reportDate]));
    let nodes = g.nodes.filter((n) => n.type !== 'case' || !until || (reported.get(n.id) ?? '') <= until);
    const caseIds = new Set(nodes.filter((n) => n.type === 'case').map((n) => n.id));
    // A contact stays only while a case it hangs from is shown.
    const linked = new Set(g.edges.filter((e) => e.kind === 'contact' && caseIds.has(e.from)).map((e) => e.to));
    nodes = nodes.filter((n) => n.type === 'case' || linked.has(n.id));
    if (statuses.length) nodes = nodes.filter((n) => statuses.includes(n.status));
    const ids = new Set(nodes.map((n) => n.id));
    return { nodes, edges: g.edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
  }, [graph.data, cases.data, until, statuses]);

  const allStatuses = useMemo(() => [...new Set((graph.data?.nodes ?? []).map((n) => n.status))], [graph.data]);
  const categoryNames = useMemo(() => [t('clusters.graph.case'), t('cases.category.close'), t('cases.category.secondary')] as [string, string, string], [t]);
  const edgeNames = useMemo(
    () => ({
      transmission: t('clusters.graph.edge.transmission'),
      contact: t('clusters.graph.edge.contact'),
      became_case: t('clusters.graph.edge.became_case'),
    }),
    [t],
  );
  const nCases = view.nodes.filter((n) => n.type === 'case').length;

  return (
    <div data-testid="cluster-page">
      <Typography.Title
        level={3}
        className="bw-page-title"
        data-testid="cluster-name"
        editable={
          cluster.data && can('case.manage')
            ? {
                tooltip: t('clusters.rename'),
                maxLength: CASE_LIMITS.clusterName,
                // Named as HQs name clusters (西陵区 12·07 疫情); the rename is journaled.
                onChange: (name) => {
                  if (name.trim() && name.trim() !== cluster.data?.name) void rename.run(() => casesApi.renameCluster(id, name.trim()));
                },
              }
            : false
        }
      >
        {cluster.data?.name ?? t('clusters.graph')}
      </Typography.Title>
      <ErrorAlert error={cluster.error ?? graph.error} onRetry={() => (cluster.reload(), graph.reload())} />
      {cluster.data && (
        <Descriptions size="small" column={{ xs: 1, md: 4 }} style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t('clusters.status')}>
            <ClusterStatusTag status={cluster.data.status} />
          </Descriptions.Item>
          <Descriptions.Item label={t('common.jurisdiction')}>
            <JurisdictionName path={cluster.data.jurisdictionPath} />
          </Descriptions.Item>
          <Descriptions.Item label={t('cases.presetVersion')}>
            <PresetName label={cluster.data.presetVersion} />
          </Descriptions.Item>
          <Descriptions.Item label={t('clusters.lastCaseAt')}>{formatTime(cluster.data.lastCaseAt, lang)}</Descriptions.Item>
        </Descriptions>
      )}
      <Card
        size="small"
        title={t('clusters.graph')}
        extra={<span data-testid="graph-summary">{t('clusters.graph.nodes', { cases: nCases, contacts: view.nodes.length - nCases })}</span>}
      >
        <Space wrap style={{ marginBottom: 8 }}>
          <Select<ContactsFilter>
            value={contacts}
            onChange={setContacts}
            style={{ width: 160 }}
            data-testid="graph-contacts"
            options={[
              { value: 'all', label: `${t('clusters.graph.showContacts')}: ${t('cases.filter.all')}` },
              { value: 'close', label: t('cases.category.close') },
              { value: 'secondary', label: t('cases.category.secondary') },
              { value: 'none', label: `${t('clusters.graph.showContacts')}: ${t('common.no')}` },
            ]}
          />
          <Select<CaseKind>
            allowClear
            placeholder={t('cases.kind')}
            value={kind}
            onChange={setKind}
            style={{ width: 150 }}
            options={(['confirmed', 'asymptomatic'] as const).map((k) => ({ value: k, label: t(`cases.kind.${k}`) }))}
          />
          <Select
            mode="multiple"
            allowClear
            placeholder={t('clusters.graph.status')}
            value={statuses}
            onChange={setStatuses}
            style={{ minWidth: 200 }}
            options={allStatuses.map((s) => ({
              value: s,
              label: statusText({
                id: '',
                type: s === 'treatment' || s === 'recovered' || s === 'discharged' ? 'case' : 'contact',
                label: '',
                category: '',
                status: s,
              }),
            }))}
          />
          <Space size={4}>
            <span>{t('clusters.graph.until')}</span>
            <Input type="date" value={until} onChange={(e) => setUntil(e.target.value)} style={{ width: 160 }} />
          </Space>
        </Space>
        <ChainGraph
          nodes={view.nodes}
          edges={view.edges}
          categoryNames={categoryNames}
          edgeNames={edgeNames}
          statusText={statusText}
          onOpenCase={(cid) => navigate(`/cases/${cid}`)}
        />
      </Card>
    </div>
  );
}
