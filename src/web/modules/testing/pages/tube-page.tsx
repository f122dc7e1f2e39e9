import { Button, Result, Skeleton } from 'antd';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { PageProps } from '../../../app/modules.js';
import { useI18n } from '../../../app/i18n.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { testingApi } from '../api.js';
import { TraceDrawer } from '../components/campaign-tabs.js';

/**
 * Where an alert about a tube leads (`/testing/tubes/:id`): the tube's trace (persons, buildings,
 * site, sampler, results, rechecks) over its campaign's page link. Closing goes to the campaign.
 */
export function TubePage(_: PageProps) {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const navigate = useNavigate();
  const tube = useRemote((signal) => testingApi.tube(id, signal), [id]);
  if (tube.error?.status === 404)
    return <Result status="404" title="404" subTitle={t('error.notFound')} extra={<Link to="/testing/campaigns">{t('testing.back')}</Link>} />;
  if (!tube.data) return tube.error ? <ErrorAlert error={tube.error} onRetry={tube.reload} /> : <Skeleton active />;
  const campaignPath = `/testing/campaigns/${tube.data.campaignId}`;
  return (
    <div data-testid="tube-page">
      <Button type="link" onClick={() => navigate(campaignPath)} style={{ paddingLeft: 0 }}>
        ← {t('testing.campaign')}
      </Button>
      <TraceDrawer tubeId={id} onClose={() => navigate(campaignPath)} />
    </div>
  );
}
