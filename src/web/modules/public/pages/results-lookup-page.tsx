import { PhoneOutlined, SearchOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, List, Result, Segmented, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { Lang } from '../../../../common/i18n.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { LookupResult, LookupStatus } from '../../testing/api.js';
import { TESTING_LIMITS } from '../../../../common/testing.js';
import { rulesFor } from '../../../app/form-rules.js';

const STATUS_COLORS: Record<LookupStatus, string> = {
  sampled: 'blue',
  in_lab: 'processing',
  negative: 'green',
  resample_needed: 'gold',
  contact_pending: 'orange',
};

type Outcome = { kind: 'result'; value: LookupResult } | { kind: 'error'; text: string };

/**
 * Asks the public lookup. Deliberately not the app's fetch wrapper: no session, and no
 * Idempotency-Key (the server would keep the answer — someone's results — to replay it).
 */
async function lookup(idNumber: string, name: string): Promise<{ ok: true; value: LookupResult } | { ok: false; status: number; retryAfter: number | null }> {
  let res: Response;
  try {
    res = await fetch('/api/public/results/lookup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ idNumber, name }),
      credentials: 'omit',
    });
  } catch {
    return { ok: false, status: 0, retryAfter: null };
  }
  if (res.ok) return { ok: true, value: (await res.json()) as LookupResult };
  const ra = Number(res.headers.get('retry-after'));
  return { ok: false, status: res.status, retryAfter: Number.isFinite(ra) && ra > 0 ? ra : null };
}

/**
 * The residents' result lookup (核酸检测结果查询), public and without the app shell: ID number and
 * name in, the status of the latest samples out — sampled, in the lab, negative, or "please get
 * sampled again". Neither a positive result nor a pending recheck is shown here: anyone who knows a
 * resident's ID number and name could read it, so the server answers "in the lab" and the resident
 * hears of a recheck from their community. After a positive recheck: "staff will contact you" and
 * the hotline to call, without the result.
 */
export function ResultsLookupPage() {
  const { t, lang, setLang } = useI18n();
  const [form] = Form.useForm<{ idNumber: string; name: string }>();
  const [busy, setBusy] = useState(false);
  const [out, setOut] = useState<Outcome | null>(null);

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setOut(null);
    const r = await lookup(v.idNumber.replace(/\s+/g, '').toUpperCase(), v.name.trim());
    setBusy(false);
    if (r.ok) return setOut({ kind: 'result', value: r.value });
    const text =
      r.status === 0
        ? t('error.network')
        : r.status === 429
          ? t('public.rateLimited')
          : r.status === 503
            ? t('public.busy', { seconds: r.retryAfter ?? 5 })
            : r.status === 400
              ? t('error.validation')
              : t('error.generic');
    setOut({ kind: 'error', text });
  };

  return (
    <div className="bw-public" data-testid="public-results" style={{ minHeight: '100vh', background: '#f5f5f5', padding: '24px 12px' }}>
      <div style={{ maxWidth: 480, margin: '0 auto' }}>
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
          <Space>
            <span className="bw-logo-mark">铜</span>
            <Typography.Text strong>{t('app.shortName')}</Typography.Text>
          </Space>
          <Segmented<Lang>
            size="small"
            value={lang}
            onChange={setLang}
            options={[
              { label: '中文', value: 'zh-CN' },
              { label: 'EN', value: 'en' },
            ]}
          />
        </Space>
        <Card>
          <Typography.Title level={3} style={{ marginTop: 0 }}>
            {t('public.resultsTitle')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('public.resultsIntro')}</Typography.Paragraph>
          <Form form={form} layout="vertical" onFinish={submit} data-testid="lookup-form">
            <Form.Item
              name="idNumber"
              label={t('public.idNumber')}
              rules={rulesFor(TESTING_LIMITS.idNumber, { required: true, message: t('common.required'), min: TESTING_LIMITS.idNumberMin })}
            >
              <Input size="large" autoComplete="off" inputMode="text" />
            </Form.Item>
            <Form.Item name="name" label={t('public.name')} rules={rulesFor(TESTING_LIMITS.personName, { required: true, message: t('common.required') })}>
              <Input size="large" autoComplete="off" />
            </Form.Item>
            <Button type="primary" size="large" block htmlType="submit" icon={<SearchOutlined />} loading={busy} data-testid="lookup-submit">
              {t('public.lookup')}
            </Button>
          </Form>
        </Card>
        {out?.kind === 'error' && <Alert type="error" showIcon title={out.text} style={{ marginTop: 16 }} data-testid="lookup-error" />}
        {out?.kind === 'result' && !out.value.found && (
          <Alert type="warning" showIcon title={t('public.notFound')} style={{ marginTop: 16 }} data-testid="lookup-not-found" />
        )}
        {out?.kind === 'result' && out.value.found && (
          <Card style={{ marginTop: 16 }} data-testid="lookup-result">
            {out.value.samples.length === 0 ? (
              <Result status="info" title={t('public.noSamples')} />
            ) : (
              <List
                dataSource={out.value.samples}
                renderItem={(s) => (
                  <List.Item data-testid="lookup-sample" data-status={s.status}>
                    <Space orientation="vertical" size={2} style={{ width: '100%' }}>
                      <Space wrap>
                        <Tag color={STATUS_COLORS[s.status]} style={{ fontSize: 16, padding: '4px 10px' }}>
                          {t(`public.status.${s.status}`)}
                        </Tag>
                        <Typography.Text strong>{s.campaign}</Typography.Text>
                      </Space>
                      <Typography.Text type="secondary">{t('public.sampledAt', { at: formatTime(s.sampledAt, lang) })}</Typography.Text>
                      <Typography.Text>{lang === 'en' ? s.message.en : s.message.zh}</Typography.Text>
                      {s.hotline && (
                        <Button href={`tel:${s.hotline.replace(/[^0-9+]/g, '')}`} icon={<PhoneOutlined />} data-testid="lookup-hotline">
                          {t('public.callHotline', { hotline: s.hotline })}
                        </Button>
                      )}
                    </Space>
                  </List.Item>
                )}
              />
            )}
          </Card>
        )}
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, textAlign: 'center', fontSize: 12 }}>
          {t('public.privacy')}
        </Typography.Paragraph>
      </div>
    </div>
  );
}
