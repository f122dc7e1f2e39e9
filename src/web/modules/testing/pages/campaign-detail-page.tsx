import { Alert, App, Button, Descriptions, Popconfirm, Result, Skeleton, Space, Tabs, Tag, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { formatCount, formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { testingApi } from '../api.js';
import { DoorTab, FlagsTab, HomeTab, RechecksTab, SuppliesTab, TubesTab } from '../components/campaign-tabs.js';
import { CoverageSection } from '../components/coverage-section.js';
import { useTestingErrorText } from '../errors.js';
import { CAMPAIGN_STATUS_COLORS, PastDeadlineTag } from './campaigns-page.js';

/**
 * One campaign: its scope and deadline, live coverage (numbers, estimated finish, map of
 * compounds), then rechecks, tubes with their trace, flags to review, door-knocking lists,
 * home-sampling tasks and supply needs. Activating fixes the target population.
 */
export function CampaignDetailPage(_: PageProps) {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useTestingErrorText();
  const campaign = useRemote((signal) => testingApi.campaign(id, signal), [id]);
  // Bumped on live activity so the lists below re-read.
  const [tick, setTick] = useState(0);
  const bump = useCallback(() => setTick((n) => n + 1), []);
  const c = campaign.data;

  // Activate and close: a confirmation, then the campaign read again.
  const action = useAction((fn: () => Promise<unknown>) => fn(), {
    onSuccess: () => {
      message.success(t('common.done'));
      campaign.reload();
    },
    onError: (err) => message.error(errorText(err)),
  });
  const busy = action.busy;
  const act = (fn: () => Promise<unknown>) => action.run(fn);

  if (campaign.error?.status === 404)
    return <Result status="404" title="404" subTitle={t('error.notFound')} extra={<Link to="/testing/campaigns">{t('testing.back')}</Link>} />;
  if (!c) return campaign.error ? <ErrorAlert error={campaign.error} onRetry={campaign.reload} /> : <Skeleton active />;

  return (
    <div data-testid="campaign-detail" data-status={c.status}>
      <Link to="/testing/campaigns">← {t('testing.back')}</Link>
      <Space align="center" wrap style={{ width: '100%', justifyContent: 'space-between', marginTop: 8 }}>
        <Typography.Title level={3} className="bw-page-title" style={{ marginBottom: 0 }}>
          {c.name}{' '}
          <Tag color={CAMPAIGN_STATUS_COLORS[c.status]} data-testid="campaign-status">
            {t(`testing.status.${c.status}`)}
          </Tag>
          <PastDeadlineTag campaign={c} />
        </Typography.Title>
        {can('testing.manage') && (
          <Space>
            {c.status === 'planned' && (
              <Popconfirm
                title={t('testing.activateConfirm')}
                okText={t('common.confirm')}
                cancelText={t('common.cancel')}
                onConfirm={() => act(() => testingApi.activate(c.id))}
              >
                <Button type="primary" loading={busy} data-testid="activate-campaign">
                  {t('testing.activate')}
                </Button>
              </Popconfirm>
            )}
            {c.status === 'active' && (
              <Popconfirm
                title={t('testing.closeConfirm')}
                okText={t('common.confirm')}
                cancelText={t('common.cancel')}
                onConfirm={() => act(() => testingApi.close(c.id))}
              >
                <Button danger loading={busy} data-testid="close-campaign">
                  {t('testing.closeCampaign')}
                </Button>
              </Popconfirm>
            )}
          </Space>
        )}
      </Space>
      <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ margin: '12px 0' }}>
        <Descriptions.Item label={t('testing.scope')}>{c.scope.map((s) => s.name).join('、')}</Descriptions.Item>
        <Descriptions.Item label={t('testing.poolSize')}>
          {t(`testing.poolMode.${c.poolSize}`)}
          {c.poolOverrides.length > 0 && ` (+${c.poolOverrides.length})`}
          {c.poolOverrides
            .filter((o) => o.source === 'area')
            .map((o) => (
              <Tag key={o.path} color={o.level === 'high' ? 'magenta' : 'purple'} style={{ marginInlineStart: 8 }} data-testid="campaign-area-pool">
                {t('testing.poolFromArea')}：{t(`testing.poolMode.${o.poolSize}`)}
              </Tag>
            ))}
        </Descriptions.Item>
        <Descriptions.Item label={t('testing.target')}>
          {c.status === 'planned' ? '—' : `${formatCount(c.targetTotal, lang)}（${t('testing.exempt')} ${formatCount(c.exemptTotal, lang)}）`}
        </Descriptions.Item>
        <Descriptions.Item label={t('testing.startsAt')}>{formatTime(c.startsAt, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('testing.deadlineAt')}>{formatTime(c.deadlineAt, lang)}</Descriptions.Item>
        <Descriptions.Item label={t('testing.recheckHours')}>{c.recheckHours}</Descriptions.Item>
      </Descriptions>
      {c.status === 'planned' ? (
        <Alert type="info" showIcon title={t('testing.plannedHint')} />
      ) : (
        <Tabs
          items={[
            { key: 'overview', label: t('testing.tabOverview'), children: <CoverageSection campaign={c} onActivity={bump} /> },
            { key: 'rechecks', label: <span data-testid="tab-rechecks">{t('testing.tabRechecks')}</span>, children: <RechecksTab campaign={c} tick={tick} /> },
            { key: 'tubes', label: <span data-testid="tab-tubes">{t('testing.tabTubes')}</span>, children: <TubesTab campaign={c} tick={tick} /> },
            { key: 'flags', label: <span data-testid="tab-flags">{t('testing.tabFlags')}</span>, children: <FlagsTab campaign={c} tick={tick} /> },
            { key: 'door', label: <span data-testid="tab-door">{t('testing.tabDoor')}</span>, children: <DoorTab campaign={c} tick={tick} /> },
            { key: 'home', label: <span data-testid="tab-home">{t('testing.tabHome')}</span>, children: <HomeTab campaign={c} /> },
            { key: 'supplies', label: <span data-testid="tab-supplies">{t('testing.tabSupplies')}</span>, children: <SuppliesTab campaign={c} /> },
          ]}
        />
      )}
    </div>
  );
}
