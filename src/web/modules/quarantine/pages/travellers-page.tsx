import { Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useState } from 'react';
import { TRAVELLER_CATEGORY_LIST, type TravellerCategory } from '../../../../common/quarantine.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { useAction } from '../../../app/use-action.js';
import { useQuarantineErrorText as useErrorText } from '../errors.js';
import { quarantineApi, type TravellerDto, type TravellerInput } from '../api.js';
import { AssignQuarantineButton } from '../components/assign-quarantine-button.js';
import { PersonPicker } from '../components/person-picker.js';
import { CASE_LIMITS } from '../../../../common/cases.js';

/** The registration form: the request body, with the day picked as a Dayjs. */
type RegisterValues = Omit<TravellerInput, 'arrivalDay'> & { arrivalDay: Dayjs };

/** The schedule the preset gives a traveller: the stay's phases and test days, or the test window (3天2检), with its source text. */
function Schedule({ x }: { x: TravellerDto }) {
  const { t } = useI18n();
  const s = x.schedule;
  return (
    <Space orientation="vertical" size={0} data-testid="traveller-schedule">
      {s.stay && (
        <>
          <span>
            {s.stay.phases.map((p) => t('quarantine.phaseDays', { phase: t(`quarantine.phase.${p.phase}`), days: p.days, last: p.lastDay })).join('；')}
          </span>
          <span>
            {t('quarantine.endDay')} {s.stay.endDay} · {t('quarantine.testDays')}：
            {s.stay.tests.map((d) => t('quarantine.testDay', { day: d.day, date: d.date.slice(5) })).join('、') || '—'}
          </span>
        </>
      )}
      {s.testWindow && <span>{t('travellers.testWindow', { n: s.testWindow.tests, d: s.testWindow.withinDays, by: s.testWindow.byDay })}</span>}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('travellers.source')}：{s.source}
      </Typography.Text>
    </Space>
  );
}

/** Records an arrival test (落地检) at an entry point. */
function ArrivalTestForm({ x, onDone }: { x: TravellerDto; onDone(t: TravellerDto): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<{ entryPoint: string; result?: 'negative' | 'positive'; resultRef?: string }>();
  const record = useAction(
    (v: { entryPoint: string; result?: 'negative' | 'positive'; resultRef?: string }) =>
      quarantineApi.arrivalTest(x.id, { entryPoint: v.entryPoint, testedAt: Date.now(), result: v.result ?? null, resultRef: v.resultRef || null }),
    {
      onError: (err) => message.error(errorText(err)),
    },
  );
  const busy = record.busy;
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const done = await record.run(v);
    if (!done) return;
    onDone(done);
    message.success(t('travellers.arrivalRecorded'));
    form.resetFields();
  };
  return (
    <Form form={form} layout="inline" initialValues={{ entryPoint: x.entryPoint ?? undefined }} data-testid="arrival-test-form">
      <Form.Item name="entryPoint" rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
        <Input placeholder={t('travellers.entryPoint')} style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name="result">
        <Select
          allowClear
          placeholder={t('travellers.result')}
          style={{ width: 110 }}
          options={[
            { value: 'negative', label: t('quarantine.test.negative') },
            { value: 'positive', label: t('quarantine.test.positive') },
          ]}
        />
      </Form.Item>
      <Form.Item name="resultRef">
        <Input placeholder={t('travellers.resultRef')} style={{ width: 150 }} />
      </Form.Item>
      <Button size="small" onClick={submit} loading={busy}>
        {t('travellers.recordArrival')}
      </Button>
    </Form>
  );
}

/**
 * 来返人员: register travellers (arrivals from risk areas, inbound international travellers, high-risk
 * occupations after closed-loop work) with the schedule the active preset gives their category and the
 * text it comes from; record arrival tests (落地检); put them under their measure on the traveller basis.
 */
export function TravellersPage(_: PageProps) {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const canManage = can('case.manage');
  const [category, setCategory] = useState<TravellerCategory | undefined>();
  const [page, setPage] = useState(1);
  const list = useRemote((signal) => quarantineApi.travellers({ category, page, pageSize: 50 }, signal), [category, page]);
  const [form] = Form.useForm<RegisterValues>();
  const registerTraveller = useAction((v: RegisterValues) =>
    quarantineApi.registerTraveller({
      personId: v.personId,
      category: v.category,
      origin: v.origin,
      arrivalDay: v.arrivalDay.format('YYYY-MM-DD'),
      entryPoint: v.entryPoint || null,
    }),
  );
  const busy = registerTraveller.busy;
  const error = registerTraveller.error ? errorText(registerTraveller.error) : null;
  const replace = (x: TravellerDto) => list.data && list.setData({ ...list.data, items: list.data.items.map((y) => (y.id === x.id ? x : y)) });

  const register = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    if (!(await registerTraveller.run(v))) return;
    message.success(t('travellers.registered'));
    form.resetFields();
    list.reload();
  };

  return (
    <div data-testid="travellers-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('nav.quarantineTravellers')}
      </Typography.Title>
      {canManage && (
        <Card size="small" title={t('travellers.register')} style={{ marginBottom: 12 }}>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} data-testid="traveller-error" />}
          <Form form={form} layout="inline" data-testid="traveller-form">
            <Form.Item name="personId" rules={[{ required: true, message: t('common.required') }]}>
              <PersonPicker style={{ width: 300 }} />
            </Form.Item>
            <Form.Item name="category" rules={[{ required: true, message: t('common.required') }]}>
              <Select
                data-testid="traveller-category"
                placeholder={t('quarantine.category')}
                style={{ width: 230 }}
                options={TRAVELLER_CATEGORY_LIST.map((c) => ({ value: c, label: t(`quarantine.category.${c}`) }))}
              />
            </Form.Item>
            <Form.Item name="origin" rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input data-testid="traveller-origin" placeholder={t('travellers.origin')} style={{ width: 200 }} maxLength={CASE_LIMITS.travellerOrigin} />
            </Form.Item>
            <Form.Item name="arrivalDay" rules={[{ required: true, message: t('common.required') }]}>
              <DatePicker data-testid="traveller-arrival" placeholder={t('travellers.arrivalDay')} disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
            </Form.Item>
            <Form.Item name="entryPoint">
              <Input data-testid="traveller-entry" placeholder={t('travellers.entryPoint')} style={{ width: 160 }} maxLength={CASE_LIMITS.entryPoint} />
            </Form.Item>
            <Button type="primary" onClick={register} loading={busy} data-testid="traveller-submit">
              {t('travellers.register')}
            </Button>
          </Form>
        </Card>
      )}
      <Space style={{ marginBottom: 12 }}>
        <Select
          allowClear
          placeholder={t('quarantine.category')}
          style={{ width: 240 }}
          value={category}
          onChange={(v?: TravellerCategory) => (setCategory(v), setPage(1))}
          options={TRAVELLER_CATEGORY_LIST.map((c) => ({ value: c, label: t(`quarantine.category.${c}`) }))}
        />
      </Space>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Table<TravellerDto>
        rowKey="id"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 1100 }}
        pagination={{ current: page, pageSize: 50, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(x) => ({ 'data-testid': 'traveller-row', 'data-id': x.id }) as React.HTMLAttributes<HTMLElement>}
        expandable={{
          expandedRowRender: (x) => (
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('travellers.arrivalTests')}>
                <Space orientation="vertical">
                  {x.arrivalTests.map((a) => (
                    <span key={a.id}>
                      {a.entryPoint} · {formatTime(a.testedAt, lang)} ·{' '}
                      {a.result ? (
                        <Tag color={a.result === 'negative' ? 'green' : 'red'}>{t(`quarantine.test.${a.result}`)}</Tag>
                      ) : (
                        <Tag>{t('travellers.pending')}</Tag>
                      )}{' '}
                      {a.resultRef ?? ''}
                    </span>
                  ))}
                  {canManage && <ArrivalTestForm x={x} onDone={replace} />}
                </Space>
              </Descriptions.Item>
            </Descriptions>
          ),
        }}
        columns={[
          { title: t('quarantine.person'), key: 'person', width: 100, render: (_: unknown, x) => x.personNameMasked ?? '—' },
          { title: t('quarantine.category'), key: 'category', width: 170, render: (_: unknown, x) => <Tag>{t(`quarantine.category.${x.category}`)}</Tag> },
          { title: t('travellers.origin'), dataIndex: 'origin', width: 150 },
          { title: t('travellers.arrivalDay'), dataIndex: 'arrivalDay', width: 110 },
          { title: t('travellers.schedule'), key: 'schedule', render: (_: unknown, x) => <Schedule x={x} /> },
          {
            title: '',
            key: 'act',
            width: 120,
            render: (_: unknown, x) =>
              x.schedule.stay && (
                <AssignQuarantineButton
                  personId={x.personId}
                  basis={{
                    type: 'traveller',
                    id: x.id,
                    category: x.category,
                    day: x.arrivalDay,
                    label: `${t('quarantine.basisTraveller')} · ${t(`quarantine.category.${x.category}`)} · ${x.arrivalDay}`,
                  }}
                />
              ),
          },
        ]}
      />
    </div>
  );
}
